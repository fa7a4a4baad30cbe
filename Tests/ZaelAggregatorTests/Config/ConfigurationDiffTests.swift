import Testing

@testable import ZaelAggregator

@Suite struct ConfigurationDiffTests {
    @Test func diff_splitsReloadableFromRestartRequired() throws {
        let old = try load(minimal).configuration
        var new = old
        new.consumer.batchSize = 50
        new.consumer.batchingWindow = .seconds(1)
        new.consumer.parallelizationFactor = 4
        new.consumer.maxRecordAge = nil
        new.consumer.maxRetryAttempts = 10
        new.consumer.bisectOnError = false
        new.consumer.idlePoll = .milliseconds(500)
        new.consumer.maxIdlePoll = .seconds(4)
        new.logging.level = .debug
        new.duties.refill = false
        new.leases.failoverTime = .seconds(20)
        new.aws.endpoint = "http://127.0.0.1:1"
        new.aggregation.windows = [.hourly]
        let diff = AggregatorConfiguration.diff(old, new)
        #expect(
            diff.reloadable == [
                "consumer.batch_size", "consumer.batching_window_seconds", "consumer.parallelization_factor",
                "consumer.max_retry_attempts", "consumer.max_record_age_seconds", "consumer.bisect_on_error",
                "consumer.idle_poll_seconds", "consumer.max_idle_poll_seconds", "duties.refill", "logging.level",
            ])
        #expect(diff.restartRequired == ["aws.endpoint", "leases.failover_time_seconds", "aggregation.windows"])
    }

    @Test func applyingReloadable_takesExactlyTheReloadableKeys() throws {
        let old = try load(minimal).configuration
        let file =
            minimal + """
                [consumer]
                batch_size = 7
                batching_window_seconds = 1
                parallelization_factor = 3
                max_retry_attempts = -1
                max_record_age_seconds = 120
                bisect_on_error = false
                idle_poll_seconds = 0.5
                max_idle_poll_seconds = 4
                http_timeout_seconds = 30
                [logging]
                level = "debug"
                format = "json"
                [duties]
                refill = false
                proactive_shard = false
                propagate_shard_count = false
                [leases]
                failover_time_seconds = 30
                """
        let new = try load(file).configuration
        let applied = old.applyingReloadable(from: new)
        // What is in force now differs from the file only in restart-required keys…
        let pending = AggregatorConfiguration.diff(applied, new)
        #expect(pending.reloadable == [])
        #expect(
            pending.restartRequired == [
                "leases.failover_time_seconds", "consumer.http_timeout_seconds", "logging.format",
            ])
        // …and from the old configuration only in reloadable ones.
        let changed = AggregatorConfiguration.diff(old, applied)
        #expect(changed.restartRequired == [])
        #expect(Set(changed.reloadable) == AggregatorConfiguration.reloadableKeys)
    }

    @Test func identicalConfigurations_haveAnEmptyDiff() throws {
        let c = try load(minimal).configuration
        #expect(AggregatorConfiguration.diff(c, c).isEmpty)
    }

    @Test func everyReloadableKey_isAKnownKey() {
        #expect(AggregatorConfiguration.reloadableKeys.isSubset(of: Set(AggregatorConfiguration.keys)))
        #expect(AggregatorConfiguration.reloadableKeys.count == 12)
    }
}
