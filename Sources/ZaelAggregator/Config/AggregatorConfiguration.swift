import Logging
import StreamConsumer
import SystemdSupport
import ZaeLimiter

/// The daemon's whole configuration: values only, validated once by `ConfigurationLoader` from the
/// file, then `ZAEL_<SECTION>_<KEY>` environment variables, then command-line flags.
///
/// Each property's key, default, range and unit are declared once in `ConfigurationKeys` (named
/// in its doc comment); the property starts at that default. Clients, queues and loggers are built
/// from it in `main`; none live here.
public struct AggregatorConfiguration: Sendable, Equatable {
    /// `[aws]`: where and as whom to call AWS.
    public var aws = AWSSection()
    /// `[table]`: the zae-limiter table whose stream is consumed.
    public var table = TableSection()
    /// `[leases]`: the KCL-compatible lease table and failover timing.
    public var leases = LeasesSection()
    /// `[consumer]`: batching, retries and polling (the Lambda event source mapping's knobs).
    public var consumer = ConsumerSection()
    /// `[aggregation]`: snapshot windows, TTL and delivery guarantee.
    public var aggregation = AggregationSection()
    /// `[duties]`: the Lambda's bucket maintenance duties, each on or off.
    public var duties = DutiesSection()
    /// `[logging]`: level and output format.
    public var logging = LoggingSection()
    /// `[metrics]`: Prometheus endpoint and EMF file.
    public var metrics = MetricsSection()
    /// `[status]`: the local status socket.
    public var status = StatusSection()
    /// `[archival]`: audit archival to S3 (off unless a bucket is set).
    public var archival = ArchivalSection()

    /// The configuration with every default, for `tableName`; defaults that depend on the host
    /// (worker ID, spool path, status socket) come from `context`.
    public init(tableName: String, context: ConfigurationContext) {
        for key in ConfigurationKeys.all { key.applyDefault(&self, context, tableName) }
        table.name = tableName
    }
}

extension AggregatorConfiguration {
    typealias Keys = ConfigurationKeys

    /// `[aws]`.
    public struct AWSSection: Sendable, Equatable {
        /// `aws.region` (`ConfigurationKeys.region`); unset: resolved at start-up.
        public var region: String? = Keys.region.defaultValue
        /// `aws.profile` (`ConfigurationKeys.profile`); unset: `AWS_PROFILE`, else `default`.
        public var profile: String? = Keys.profile.defaultValue
        /// `aws.endpoint` (`ConfigurationKeys.endpoint`); unset: the regional endpoints.
        public var endpoint: String? = Keys.endpoint.defaultValue
        /// `aws.streams_endpoint` (`ConfigurationKeys.streamsEndpoint`); wins over `endpoint` for Streams.
        public var streamsEndpoint: String? = Keys.streamsEndpoint.defaultValue

        public init() {}
    }

    /// `[table]`.
    public struct TableSection: Sendable, Equatable {
        /// `table.name` (`ConfigurationKeys.tableName`). Required.
        public var name: String = Keys.tableName.defaultValue
        /// `table.stream_arn` (`ConfigurationKeys.streamARN`); unset: the table's `LatestStreamArn`.
        public var streamARN: String? = Keys.streamARN.defaultValue

        public init() {}
    }

    /// `[leases]`.
    public struct LeasesSection: Sendable, Equatable {
        /// `leases.table` (`ConfigurationKeys.leaseTable`): `<table.name>-zael-leases` by default.
        public var table: String = Keys.leaseTable.defaultValue
        /// `leases.create_table` (`ConfigurationKeys.createLeaseTable`).
        public var createTable: Bool = Keys.createLeaseTable.defaultValue
        /// `leases.failover_time_seconds` (`ConfigurationKeys.failoverTime`).
        public var failoverTime: Duration = Keys.failoverTime.defaultValue
        /// `leases.worker_id` (`ConfigurationKeys.workerID`): the hostname plus a random suffix
        /// chosen once per process (stable across reloads) by default.
        public var workerID: String = Keys.workerID.defaultValue
        /// `leases.shard_sync_interval_seconds` (`ConfigurationKeys.shardSyncInterval`).
        public var shardSyncInterval: Duration = Keys.shardSyncInterval.defaultValue

        public init() {}
    }

    /// `[consumer]`.
    public struct ConsumerSection: Sendable, Equatable {
        /// `consumer.batch_size` (`ConfigurationKeys.batchSize`).
        public var batchSize: Int = Keys.batchSize.defaultValue
        /// `consumer.batching_window_seconds` (`ConfigurationKeys.batchingWindow`).
        public var batchingWindow: Duration = Keys.batchingWindow.defaultValue
        /// `consumer.parallelization_factor` (`ConfigurationKeys.parallelizationFactor`).
        public var parallelizationFactor: Int = Keys.parallelizationFactor.defaultValue
        /// `consumer.starting_position` (`ConfigurationKeys.startingPosition`).
        public var startingPosition: StartingPosition = Keys.startingPosition.defaultValue
        /// `consumer.max_retry_attempts` (`ConfigurationKeys.maxRetryAttempts`); `nil` (file value
        /// -1) retries until the record expires.
        public var maxRetryAttempts: Int? = Keys.maxRetryAttempts.defaultValue
        /// `consumer.max_record_age_seconds` (`ConfigurationKeys.maxRecordAge`); `nil` (file value
        /// -1) means no limit.
        public var maxRecordAge: Duration? = Keys.maxRecordAge.defaultValue
        /// `consumer.bisect_on_error` (`ConfigurationKeys.bisectOnError`).
        public var bisectOnError: Bool = Keys.bisectOnError.defaultValue
        /// `consumer.on_failure_spool` (`ConfigurationKeys.onFailureSpool`).
        public var onFailureSpool: String = Keys.onFailureSpool.defaultValue
        /// `consumer.on_failure_spool_max_mb` (`ConfigurationKeys.onFailureSpoolMaxMiB`).
        public var onFailureSpoolMaxMiB: Int = Keys.onFailureSpoolMaxMiB.defaultValue
        /// `consumer.idle_poll_seconds` (`ConfigurationKeys.idlePoll`).
        public var idlePoll: Duration = Keys.idlePoll.defaultValue
        /// `consumer.max_idle_poll_seconds` (`ConfigurationKeys.maxIdlePoll`).
        public var maxIdlePoll: Duration = Keys.maxIdlePoll.defaultValue
        /// `consumer.http_timeout_seconds` (`ConfigurationKeys.httpTimeout`).
        public var httpTimeout: Duration = Keys.httpTimeout.defaultValue
        /// `consumer.filters` (`ConfigurationKeys.filters`).
        public var filters: ZaeLimiterRecordSelection = Keys.filters.defaultValue

        public init() {}
    }

    /// `[aggregation]`.
    public struct AggregationSection: Sendable, Equatable {
        /// `aggregation.windows` (`ConfigurationKeys.windows`).
        public var windows: [UsageWindow] = Keys.windows.defaultValue
        /// `aggregation.snapshot_ttl_days` (`ConfigurationKeys.snapshotTTL`).
        public var snapshotTTL: Duration = Keys.snapshotTTL.defaultValue
        /// `aggregation.delivery` (`ConfigurationKeys.delivery`).
        public var delivery: SnapshotDelivery = Keys.delivery.defaultValue
        /// `aggregation.allow_unknown_schema` (`ConfigurationKeys.allowUnknownSchema`).
        public var allowUnknownSchema: Bool = Keys.allowUnknownSchema.defaultValue

        public init() {}
    }

    /// `[duties]`: zae-limiter's aggregator Lambda maintains bucket items besides writing
    /// snapshots; each of its duties can be turned off (all reloadable).
    public struct DutiesSection: Sendable, Equatable {
        /// `duties.refill` (`ConfigurationKeys.refill`).
        public var refill: Bool = Keys.refill.defaultValue
        /// `duties.proactive_shard` (`ConfigurationKeys.proactiveShard`).
        public var proactiveShard: Bool = Keys.proactiveShard.defaultValue
        /// `duties.propagate_shard_count` (`ConfigurationKeys.propagateShardCount`).
        public var propagateShardCount: Bool = Keys.propagateShardCount.defaultValue

        public init() {}
    }

    /// `[logging]`.
    public struct LoggingSection: Sendable, Equatable {
        /// `logging.level` (`ConfigurationKeys.logLevel`).
        public var level: Logger.Level = Keys.logLevel.defaultValue
        /// `logging.format` (`ConfigurationKeys.logFormat`).
        public var format: LoggingBootstrap.Format = Keys.logFormat.defaultValue

        public init() {}
    }

    /// `[metrics]`.
    public struct MetricsSection: Sendable, Equatable {
        /// `metrics.listen` (`ConfigurationKeys.metricsListen`); `nil` (file value `""`) is off.
        public var listen: String? = Keys.metricsListen.defaultValue
        /// `metrics.emf_file` (`ConfigurationKeys.emfFile`); `nil` (`""`) is off.
        public var emfFile: String? = Keys.emfFile.defaultValue

        public init() {}
    }

    /// `[status]`.
    public struct StatusSection: Sendable, Equatable {
        /// `status.socket` (`ConfigurationKeys.statusSocket`).
        public var socket: String = Keys.statusSocket.defaultValue

        public init() {}
    }

    /// `[archival]`: where the audit events of TTL-removed audit items go (the Lambda's
    /// `ENABLE_ARCHIVAL` / `ARCHIVE_BUCKET_NAME`).
    public struct ArchivalSection: Sendable, Equatable {
        /// `archival.bucket` (`ConfigurationKeys.archivalBucket`); `nil` (file value `""`) is off.
        public var bucket: String? = Keys.archivalBucket.defaultValue
        /// `archival.prefix` (`ConfigurationKeys.archivalPrefix`): the key prefix before `year=YYYY/…`.
        public var prefix: String = Keys.archivalPrefix.defaultValue
        /// `archival.region` (`ConfigurationKeys.archivalRegion`); unset: the daemon's AWS region.
        public var region: String? = Keys.archivalRegion.defaultValue
        /// `archival.endpoint` (`ConfigurationKeys.archivalEndpoint`); unset: `AWS_ENDPOINT_URL_S3`,
        /// then `AWS_ENDPOINT_URL`, then AWS.
        public var endpoint: String? = Keys.archivalEndpoint.defaultValue
        /// `archival.path_style` (`ConfigurationKeys.archivalPathStyle`): always path-style URLs.
        public var pathStyle: Bool = Keys.archivalPathStyle.defaultValue

        public init() {}
    }
}
