import Logging
import Testing

@testable import ZaelAggregator

@Suite struct ConfigurationValidationTests {
    @Test func minimalFile_getsEveryDefault() throws {
        let c = try load(minimal).configuration
        #expect(c.table.name == "rate-limits")
        #expect(c.table.streamARN == nil)
        #expect(c.aws.region == nil && c.aws.endpoint == nil)
        #expect(c.leases.table == "rate-limits-zael-leases")
        #expect(c.leases.createTable)
        #expect(c.leases.failoverTime == .seconds(10))
        #expect(c.leases.workerID == "host-a-abc123")
        #expect(c.leases.shardSyncInterval == .seconds(60))
        #expect(c.consumer.batchSize == 100)
        #expect(c.consumer.batchingWindow == .seconds(5))
        #expect(c.consumer.parallelizationFactor == 1)
        #expect(c.consumer.startingPosition == .latest)
        #expect(c.consumer.maxRetryAttempts == 3)
        // The Lambda's duties are on by default, as the stack deploys them.
        #expect(c.duties.refill && c.duties.proactiveShard && c.duties.propagateShardCount)
        #expect(c.consumer.maxRecordAge == .seconds(3600))
        #expect(c.consumer.bisectOnError)
        #expect(c.consumer.onFailureSpool == "./failed.jsonl")
        #expect(c.consumer.idlePoll == .seconds(1))
        #expect(c.consumer.maxIdlePoll == .seconds(2))
        #expect(c.consumer.httpTimeout == .seconds(10))
        #expect(c.consumer.filters == .zaeLimiter)
        #expect(c.aggregation.windows == [.hourly, .daily])
        #expect(c.aggregation.snapshotTTL == .seconds(90 * 86_400))
        #expect(c.aggregation.delivery == .exactlyOnce)
        #expect(!c.aggregation.allowUnknownSchema)
        #expect(c.logging.level == .info)
        #expect(c.logging.format == .auto)
        #expect(c.metrics.listen == nil && c.metrics.emfFile == nil)
        #expect(c.status.socket == "/run/zael-aggregator/prod.sock")
    }

    @Test func systemdDirectories_shapeTheDefaults() throws {
        let context = ConfigurationContext.current(
            configPath: "/etc/zael-aggregator/eu.toml",
            environment: [
                "STATE_DIRECTORY": "/var/lib/zael-aggregator/eu",
                "RUNTIME_DIRECTORY": "/run/zael-aggregator/eu:/run/other",
            ])
        #expect(context.instance == "eu")
        let c = try load(minimal, context: context).configuration
        #expect(c.consumer.onFailureSpool == "/var/lib/zael-aggregator/eu/failed.jsonl")
        #expect(c.status.socket == "/run/zael-aggregator/eu/status.sock")
        #expect(c.leases.workerID.range(of: #"-[0-9a-f]{6}$"#, options: .regularExpression) != nil)
    }

    @Test func everyKey_isAcceptedAndRendered() throws {
        let file = """
            [aws]
            region = "eu-west-1"
            profile = "agg"
            endpoint = "http://127.0.0.1:8000"
            streams_endpoint = "https://streams.example:443/"
            [table]
            name = "t.1-x"
            stream_arn = "arn:aws:dynamodb:eu-west-1:1:table/t.1-x/stream/2026-01-01T00:00:00.000"
            [leases]
            table = "leases"
            create_table = false
            failover_time_seconds = 3
            worker_id = "w1"
            shard_sync_interval_seconds = 3600
            [consumer]
            batch_size = 10000
            batching_window_seconds = 0
            parallelization_factor = 10
            starting_position = "TRIM_HORIZON"
            max_retry_attempts = -1
            max_record_age_seconds = 604800
            bisect_on_error = false
            on_failure_spool = "/var/lib/zael/x.jsonl"
            on_failure_spool_max_mb = 1048576
            idle_poll_seconds = 0.1
            max_idle_poll_seconds = 60
            http_timeout_seconds = 300
            filters = "none"
            [aggregation]
            windows = ["monthly", "hourly", "hourly"]
            snapshot_ttl_days = 3650
            delivery = "at-least-once"
            allow_unknown_schema = true
            [duties]
            refill = false
            proactive_shard = false
            propagate_shard_count = false
            [logging]
            level = "trace"
            format = "json"
            [metrics]
            listen = "[::1]:9464"
            emf_file = "/var/lib/zael/emf.jsonl"
            [status]
            socket = "/run/s.sock"
            [archival]
            bucket = "zae-limiter-audit.archive"
            prefix = "archive/audit/"
            region = "eu-central-1"
            endpoint = "http://127.0.0.1:9000"
            path_style = true
            """
        let loaded = try load(file)
        let c = loaded.configuration
        #expect(c.consumer.maxRetryAttempts == nil)
        #expect(c.consumer.maxRecordAge == .seconds(604_800))
        #expect(c.consumer.idlePoll == .milliseconds(100))
        #expect(c.consumer.onFailureSpoolMaxMiB == 1_048_576)
        #expect(c.consumer.maxIdlePoll == .seconds(60))
        #expect(c.aggregation.windows == [.monthly, .hourly])
        #expect(c.logging.level == .trace)
        #expect(c.metrics.listen == "[::1]:9464")
        #expect(c.archival.bucket == "zae-limiter-audit.archive")
        #expect(c.archival.prefix == "archive/audit/")
        #expect(c.archival.pathStyle)
        #expect(!c.duties.refill && !c.duties.proactiveShard && !c.duties.propagateShardCount)
        // Every key round-trips, and the key lists agree with each other.
        #expect(c.settings.map(\.key) == AggregatorConfiguration.keys)
        #expect(loaded.origins.count == AggregatorConfiguration.keys.count)
        #expect(loaded.origins.values.allSatisfy { if case .file = $0 { true } else { false } })
        #expect(
            Set(AggregatorConfiguration.keys.map { String($0.split(separator: ".")[0]) })
                == Set(AggregatorConfiguration.sections))
    }

    @Test func allProblems_areReportedTogether_eachWithKeyLineAndAllowed() {
        let found = problems(
            """
            [consumer]
            batchsize = 5
            batch_size = 0
            starting_position = "EARLIEST"
            idle_poll_seconds = "fast"
            max_retry_attempts = 1.5
            [aggregation]
            windows = []
            delivery = "exactly_once"
            [consumr]
            x = 1
            [metrics]
            listen = "localhost"
            """)
        #expect(found.count == 10)
        #expect(found.contains("prod.toml: unknown key consumer.batchsize at line 2 (did you mean batch_size?)"))
        #expect(found.contains("prod.toml: consumer.batch_size at line 3: 0 is out of range; allowed: 1 to 10000"))
        #expect(
            found.contains(
                #"prod.toml: consumer.starting_position at line 4: "EARLIEST" is not allowed; allowed: "LATEST", "TRIM_HORIZON""#
            ))
        #expect(
            found.contains(
                #"prod.toml: consumer.idle_poll_seconds at line 5: expected a number, found a string ("fast"); allowed: 0.1 to 10 seconds"#
            ))
        #expect(
            found.contains {
                $0.hasPrefix(
                    "prod.toml: consumer.max_retry_attempts at line 6: expected an integer, found a float (1.5)")
            })
        #expect(found.contains { $0.hasPrefix("prod.toml: aggregation.windows at line 8: must not be empty") })
        #expect(
            found.contains {
                $0.hasPrefix(#"prod.toml: aggregation.delivery at line 9: "exactly_once" is not allowed"#)
            })
        #expect(found.contains("prod.toml: unknown section [consumr] at line 10 (did you mean consumer?)"))
        #expect(found.contains { $0.hasPrefix(#"prod.toml: metrics.listen at line 13: "localhost" is not HOST:PORT"#) })
        #expect(found.contains { $0.hasPrefix("prod.toml: missing required key table.name") })
    }

    @Test(arguments: [
        ("consumer.batch_size", "1", true), ("consumer.batch_size", "10000", true),
        ("consumer.batch_size", "0", false), ("consumer.batch_size", "10001", false),
        ("consumer.batching_window_seconds", "300", true), ("consumer.batching_window_seconds", "301", false),
        ("consumer.parallelization_factor", "10", true), ("consumer.parallelization_factor", "11", false),
        ("consumer.max_retry_attempts", "-1", true), ("consumer.max_retry_attempts", "-2", false),
        ("consumer.max_retry_attempts", "10000", true), ("consumer.max_retry_attempts", "10001", false),
        ("consumer.max_record_age_seconds", "-1", true), ("consumer.max_record_age_seconds", "59", false),
        ("consumer.max_record_age_seconds", "60", true), ("consumer.max_record_age_seconds", "604801", false),
        ("consumer.idle_poll_seconds", "0.1", true), ("consumer.idle_poll_seconds", "0.09", false),
        ("consumer.idle_poll_seconds", "10", true), ("consumer.http_timeout_seconds", "0.5", false),
        ("consumer.max_idle_poll_seconds", "0.1", true), ("consumer.max_idle_poll_seconds", "0.09", false),
        ("consumer.max_idle_poll_seconds", "60", true), ("consumer.max_idle_poll_seconds", "61", false),
        ("leases.failover_time_seconds", "2", false), ("leases.failover_time_seconds", "300", true),
        ("leases.shard_sync_interval_seconds", "4", false), ("aggregation.snapshot_ttl_days", "3651", false),
        ("aggregation.snapshot_ttl_days", "1", true), ("aggregation.windows", "hourly,weekly", false),
        ("logging.level", "verbose", false), ("logging.format", "journald", true),
        ("table.stream_arn", "not-an-arn", false), ("aws.endpoint", "ftp://x", false),
        ("table.name", "ab", false), ("aws.region", "EU West", false), ("aws.region", "us-gov-west-1", true),
        ("status.socket", "/" + String(repeating: "s", count: 107), false),
        ("archival.bucket", "zae-limiter-audit-123", true), ("archival.bucket", "ab", false),
        ("archival.bucket", "a/b", false), ("archival.bucket", String(repeating: "b", count: 64), false),
        ("archival.prefix", "", true), ("archival.prefix", "/audit/", false), ("archival.prefix", "a\u{1}", false),
        ("archival.region", "EU", false), ("archival.endpoint", "s3.local", false),
        ("archival.endpoint", "https://s3.eu-west-1.amazonaws.com", true), ("archival.path_style", "yes", false),
    ])
    func ranges_areEnforced(key: String, value: String, valid: Bool) {
        let found = problems(minimal, overrides: [CommandLineOverride(key: key, value: value, flag: "--set \(key)")])
        #expect(found.isEmpty == valid, "\(key)=\(value): \(found)")
        if !valid {
            #expect(found.count == 1)
            #expect(found.first?.hasPrefix("command line --set \(key): \(key): ") == true)
            #expect(found.first?.contains("allowed: ") == true)
        }
    }

    @Test func keysOutsideASection_andUnknownFlags_areNamed() {
        let found = problems(
            "batch_size = 5\n" + minimal,
            overrides: [CommandLineOverride(key: "consumer.bach_size", value: "1", flag: "--set consumer.bach_size")])
        #expect(
            found == [
                "prod.toml: key batch_size at line 1 is outside any [section] (did you mean consumer.batch_size?)",
                "command line --set consumer.bach_size: unknown key consumer.bach_size (did you mean batch_size?)",
            ])
    }

    @Test func syntaxErrors_andValueErrors_areReportedTogether() {
        let found = problems("[table]\nname = \"rate-limits\"\n[consumer]\nbatch_size = 0\nidle = \n")
        #expect(
            found == [
                "prod.toml: syntax error at line 5: missing value for key idle",
                "prod.toml: consumer.batch_size at line 4: 0 is out of range; allowed: 1 to 10000",
            ])
    }

    @Test func emptyTableName_isAProblem() {
        #expect(problems("[table]\nname = \"\"\n") == ["prod.toml: table.name at line 2: must not be empty"])
    }

    /// Issue 11: a float beyond Int's range (or infinite) trapped while the message was written.
    @Test func hugeAndNonFiniteNumbers_areRefusedWithAMessage_notATrap() {
        let file = problems(minimal + "[consumer]\nidle_poll_seconds = 1e19\nhttp_timeout_seconds = 1e308\n")
        #expect(
            file == [
                "prod.toml: consumer.idle_poll_seconds at line 4: 1e+19 is out of range; allowed: 0.1 to 10 seconds",
                "prod.toml: consumer.http_timeout_seconds at line 5: 1e+308 is out of range; allowed: 1 to 300 seconds",
            ])
        for text in ["1e19", "-1e19", "inf", "-inf", "nan", "1e-400"] {
            let found = problems(minimal, environment: ["ZAEL_CONSUMER_IDLE_POLL_SECONDS": text])
            #expect(found.count == 1, "\(text)")
            #expect(found.first?.hasPrefix("environment variable ZAEL_CONSUMER_IDLE_POLL_SECONDS: ") == true)
        }
    }
}
