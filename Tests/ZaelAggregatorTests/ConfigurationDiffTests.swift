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
        new.logging.level = .debug
        new.leases.failoverTime = .seconds(20)
        new.aws.endpoint = "http://127.0.0.1:1"
        new.aggregation.windows = [.hourly]
        let diff = AggregatorConfiguration.diff(old, new)
        #expect(
            diff.reloadable == [
                "consumer.batch_size", "consumer.batching_window_seconds", "consumer.parallelization_factor",
                "consumer.max_retry_attempts", "consumer.max_record_age_seconds", "consumer.bisect_on_error",
                "consumer.idle_poll_seconds", "logging.level",
            ])
        #expect(diff.restartRequired == ["aws.endpoint", "leases.failover_time_seconds", "aggregation.windows"])
    }

    @Test func identicalConfigurations_haveAnEmptyDiff() throws {
        let c = try load(minimal).configuration
        #expect(AggregatorConfiguration.diff(c, c).isEmpty)
    }

    @Test func everyReloadableKey_isAKnownKey() {
        #expect(AggregatorConfiguration.reloadableKeys.isSubset(of: Set(AggregatorConfiguration.keys)))
        #expect(AggregatorConfiguration.reloadableKeys.count == 8)
    }
}
