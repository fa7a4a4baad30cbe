/// The configuration as flat `section.key = value` settings, in file order: what `check-config`
/// prints and what `diff` compares.
extension AggregatorConfiguration {
    /// The configuration sections, in file order.
    public static let sections = ["aws", "table", "leases", "consumer", "aggregation", "logging", "metrics", "status"]

    /// Every key the file, `ZAEL_*` variables and `--set` accept, in file order.
    public static let keys: [String] = [
        "aws.region", "aws.profile", "aws.endpoint", "aws.streams_endpoint",
        "table.name", "table.stream_arn",
        "leases.table", "leases.create_table", "leases.failover_time_seconds", "leases.worker_id",
        "leases.shard_sync_interval_seconds",
        "consumer.batch_size", "consumer.batching_window_seconds", "consumer.parallelization_factor",
        "consumer.starting_position", "consumer.max_retry_attempts", "consumer.max_record_age_seconds",
        "consumer.bisect_on_error", "consumer.on_failure_spool", "consumer.idle_poll_seconds",
        "consumer.max_idle_poll_seconds", "consumer.http_timeout_seconds", "consumer.filters",
        "aggregation.windows", "aggregation.snapshot_ttl_days", "aggregation.delivery",
        "aggregation.allow_unknown_schema",
        "logging.level", "logging.format",
        "metrics.listen", "metrics.emf_file",
        "status.socket",
    ]

    /// Each key with its effective value as TOML; `nil` for an optional setting left unset.
    public var settings: [(key: String, value: TOMLValue?)] {
        [
            ("aws.region", aws.region.map(TOMLValue.string)),
            ("aws.profile", aws.profile.map(TOMLValue.string)),
            ("aws.endpoint", aws.endpoint.map(TOMLValue.string)),
            ("aws.streams_endpoint", aws.streamsEndpoint.map(TOMLValue.string)),
            ("table.name", .string(table.name)),
            ("table.stream_arn", table.streamARN.map(TOMLValue.string)),
            ("leases.table", .string(leases.table)),
            ("leases.create_table", .bool(leases.createTable)),
            ("leases.failover_time_seconds", .integer(leases.failoverTime.components.seconds)),
            ("leases.worker_id", .string(leases.workerID)),
            ("leases.shard_sync_interval_seconds", .integer(leases.shardSyncInterval.components.seconds)),
            ("consumer.batch_size", .integer(Int64(consumer.batchSize))),
            ("consumer.batching_window_seconds", .integer(consumer.batchingWindow.components.seconds)),
            ("consumer.parallelization_factor", .integer(Int64(consumer.parallelizationFactor))),
            ("consumer.starting_position", .string(consumer.startingPosition.rawValue)),
            ("consumer.max_retry_attempts", .integer(Int64(consumer.maxRetryAttempts ?? -1))),
            ("consumer.max_record_age_seconds", .integer(consumer.maxRecordAge?.components.seconds ?? -1)),
            ("consumer.bisect_on_error", .bool(consumer.bisectOnError)),
            ("consumer.on_failure_spool", .string(consumer.onFailureSpool)),
            ("consumer.idle_poll_seconds", .float(consumer.idlePoll.seconds)),
            ("consumer.max_idle_poll_seconds", .float(consumer.maxIdlePoll.seconds)),
            ("consumer.http_timeout_seconds", .float(consumer.httpTimeout.seconds)),
            ("consumer.filters", .string(consumer.filters.rawValue)),
            ("aggregation.windows", .stringArray(aggregation.windows.map(\.rawValue))),
            ("aggregation.snapshot_ttl_days", .integer(aggregation.snapshotTTL.components.seconds / 86_400)),
            ("aggregation.delivery", .string(aggregation.delivery.rawValue)),
            ("aggregation.allow_unknown_schema", .bool(aggregation.allowUnknownSchema)),
            ("logging.level", .string(logging.level.rawValue)),
            ("logging.format", .string(logging.format.rawValue)),
            ("metrics.listen", .string(metrics.listen ?? "")),
            ("metrics.emf_file", .string(metrics.emfFile ?? "")),
            ("status.socket", .string(status.socket)),
        ]
    }
}

extension Duration {
    /// The duration in (fractional) seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
