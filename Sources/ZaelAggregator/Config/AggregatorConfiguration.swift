import Logging
import SystemdSupport

/// The daemon's whole configuration: values only, validated once by `ConfigurationLoader` from the
/// file, then `ZAEL_<SECTION>_<KEY>` environment variables, then command-line flags.
///
/// Each property's doc comment gives its file key, default and unit. Clients, queues and loggers are
/// built from it in `main`; none live here.
public struct AggregatorConfiguration: Sendable, Equatable {
    /// `[aws]`: where and as whom to call AWS.
    public var aws: AWSSection
    /// `[table]`: the zae-limiter table whose stream is consumed.
    public var table: TableSection
    /// `[leases]`: the KCL-compatible lease table and failover timing.
    public var leases: LeasesSection
    /// `[consumer]`: batching, retries and polling (the Lambda event source mapping's knobs).
    public var consumer: ConsumerSection
    /// `[aggregation]`: snapshot windows, TTL and delivery guarantee.
    public var aggregation: AggregationSection
    /// `[logging]`: level and output format.
    public var logging: LoggingSection
    /// `[metrics]`: Prometheus endpoint and EMF file.
    public var metrics: MetricsSection
    /// `[status]`: the local status socket.
    public var status: StatusSection

    /// The configuration with every default, for `tableName`; defaults that depend on the host
    /// (worker ID, spool path, status socket) come from `context`.
    public init(tableName: String, context: ConfigurationContext) {
        aws = AWSSection()
        table = TableSection(name: tableName)
        leases = LeasesSection(tableName: tableName, context: context)
        consumer = ConsumerSection(context: context)
        aggregation = AggregationSection()
        logging = LoggingSection()
        metrics = MetricsSection()
        status = StatusSection(context: context)
    }
}

extension AggregatorConfiguration {
    /// `[aws]`.
    public struct AWSSection: Sendable, Equatable {
        /// `aws.region`. Default: none here; resolved at start-up from `AWS_REGION`,
        /// `AWS_DEFAULT_REGION`, the profile, then IMDS.
        public var region: String?
        /// `aws.profile`: the shared-config profile for credentials and region. Default: none
        /// (`AWS_PROFILE`, else `default`).
        public var profile: String?
        /// `aws.endpoint`: a URL that overrides both DynamoDB and DynamoDB Streams (e.g. a local
        /// test server). Default: none (the regional AWS endpoints).
        public var endpoint: String?
        /// `aws.streams_endpoint`: a URL for DynamoDB Streams only; wins over `endpoint` for Streams.
        /// Default: none.
        public var streamsEndpoint: String?

        public init(
            region: String? = nil, profile: String? = nil, endpoint: String? = nil, streamsEndpoint: String? = nil
        ) {
            self.region = region
            self.profile = profile
            self.endpoint = endpoint
            self.streamsEndpoint = streamsEndpoint
        }
    }

    /// `[table]`.
    public struct TableSection: Sendable, Equatable {
        /// `table.name`: the zae-limiter table. Required.
        public var name: String
        /// `table.stream_arn`: the stream to consume. Default: none (the table's `LatestStreamArn`).
        public var streamARN: String?

        public init(name: String, streamARN: String? = nil) {
            self.name = name
            self.streamARN = streamARN
        }
    }

    /// `[leases]`.
    public struct LeasesSection: Sendable, Equatable {
        /// `leases.table`: the lease table. Default: `<table.name>-zael-leases`.
        public var table: String
        /// `leases.create_table`: create the lease table (on-demand) when missing. Default: true.
        public var createTable: Bool = true
        /// `leases.failover_time_seconds`: a lease not renewed for this long may be taken by another
        /// worker; renewals run every third of it. Default: 10 s; range 3–300 s.
        public var failoverTime: Duration = .seconds(10)
        /// `leases.worker_id`: this worker's lease owner name. Default: the hostname plus a random
        /// suffix chosen once per process (stable across reloads).
        public var workerID: String
        /// `leases.shard_sync_interval_seconds`: how often the shard list is re-read. Default: 60 s;
        /// range 5–3600 s.
        public var shardSyncInterval: Duration = .seconds(60)

        public init(tableName: String, context: ConfigurationContext) {
            table = "\(tableName)-zael-leases"
            workerID = context.defaultWorkerID
        }
    }

    /// Where a shard without a checkpoint starts (`consumer.starting_position`).
    public enum StartingPosition: String, Sendable, CaseIterable {
        case latest = "LATEST"
        case trimHorizon = "TRIM_HORIZON"
    }

    /// Which stream records reach the aggregator (`consumer.filters`).
    public enum RecordFilter: String, Sendable, CaseIterable {
        /// The Lambda's filter: MODIFY of bucket `#STATE` items and REMOVE of `AUDIT#` items.
        case zaeLimiter = "zae-limiter"
        /// Every record.
        case none
    }

    /// `[consumer]`.
    public struct ConsumerSection: Sendable, Equatable {
        /// `consumer.batch_size`: most records per processor batch. Default: 100; range 1–10000.
        public var batchSize: Int = 100
        /// `consumer.batching_window_seconds`: how long to gather records before a batch that is not
        /// full. Default: 5 s; range 0–300 s.
        public var batchingWindow: Duration = .seconds(5)
        /// `consumer.parallelization_factor`: lanes per shard (records of one item stay in order).
        /// Default: 1; range 1–10.
        public var parallelizationFactor: Int = 1
        /// `consumer.starting_position`: `LATEST` or `TRIM_HORIZON`. Default: `LATEST`.
        public var startingPosition: StartingPosition = .latest
        /// `consumer.max_retry_attempts`: retries of a failing batch before it is spooled; `nil`
        /// (file value -1) retries until the record expires. Default: 3; range -1 or 0–10000.
        public var maxRetryAttempts: Int? = 3
        /// `consumer.max_record_age_seconds`: older records are spooled, not processed; `nil` (file
        /// value -1) means no limit. Default: 3600 s; range -1 or 60–604800 s.
        public var maxRecordAge: Duration? = .seconds(3600)
        /// `consumer.bisect_on_error`: split a failing batch in two and retry the halves. Default: true.
        public var bisectOnError: Bool = true
        /// `consumer.on_failure_spool`: JSON-lines file for records given up on (the Lambda's DLQ).
        /// Default: `$STATE_DIRECTORY/failed.jsonl`, else `./failed.jsonl`.
        public var onFailureSpool: String
        /// `consumer.idle_poll_seconds`: pause after an empty GetRecords page (it grows while the
        /// shard stays empty, up to `max_idle_poll_seconds`). Default: 1 s; range
        /// 0.1–10 s.
        public var idlePoll: Duration = .seconds(1)
        /// `consumer.max_idle_poll_seconds`: ceiling of that pause for a quiet shard (never below
        /// the idle poll, never beyond the batching window). Default: 2 s; range 0.1–60 s.
        public var maxIdlePoll: Duration = .seconds(2)
        /// `consumer.http_timeout_seconds`: per-request timeout for AWS calls. Default: 10 s; range
        /// 1–300 s.
        public var httpTimeout: Duration = .seconds(10)
        /// `consumer.filters`: `zae-limiter` (the Lambda's filter criteria) or `none`. Default:
        /// `zae-limiter`.
        public var filters: RecordFilter = .zaeLimiter

        public init(context: ConfigurationContext) {
            onFailureSpool = context.defaultSpoolPath
        }
    }

    /// A snapshot window (`aggregation.windows`).
    public enum Window: String, Sendable, CaseIterable {
        case hourly, daily, monthly
    }

    /// The delivery guarantee for snapshot counts (`aggregation.delivery`).
    public enum Delivery: String, Sendable, CaseIterable {
        /// Counts are applied exactly once, even across crashes (fenced transactional writes).
        case exactlyOnce = "exactly-once"
        /// Cheaper writes; a crash may re-apply a batch.
        case atLeastOnce = "at-least-once"
    }

    /// `[aggregation]`.
    public struct AggregationSection: Sendable, Equatable {
        /// `aggregation.windows`: non-empty subset of `hourly`, `daily`, `monthly`. Default:
        /// `["hourly", "daily"]` (as zae-limiter's Lambda).
        public var windows: [Window] = [.hourly, .daily]
        /// `aggregation.snapshot_ttl_days`: TTL set on new snapshot items. Default: 90 days; range
        /// 1–3650 days.
        public var snapshotTTL: Duration = .seconds(90 * 86_400)
        /// `aggregation.delivery`: `exactly-once` or `at-least-once`. Default: `exactly-once`.
        public var delivery: Delivery = .exactlyOnce
        /// `aggregation.allow_unknown_schema`: process a table whose zae-limiter schema version is
        /// not known to this build. Default: false.
        public var allowUnknownSchema: Bool = false

        public init() {}
    }

    /// `[logging]`.
    public struct LoggingSection: Sendable, Equatable {
        /// `logging.level`: `trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`.
        /// Default: `info`.
        public var level: Logger.Level = .info
        /// `logging.format`: `auto` (journald under systemd, else text), `journald`, `text`, `json`.
        /// Default: `auto`.
        public var format: LoggingBootstrap.Format = .auto

        public init() {}
    }

    /// `[metrics]`.
    public struct MetricsSection: Sendable, Equatable {
        /// `metrics.listen`: `HOST:PORT` for the Prometheus endpoint; `nil` (file value `""`) is
        /// off. Default: off.
        public var listen: String?
        /// `metrics.emf_file`: a file to append CloudWatch EMF lines to; `nil` (`""`) is off.
        /// Default: off.
        public var emfFile: String?

        public init(listen: String? = nil, emfFile: String? = nil) {
            self.listen = listen
            self.emfFile = emfFile
        }
    }

    /// `[status]`.
    public struct StatusSection: Sendable, Equatable {
        /// `status.socket`: the AF_UNIX socket `zael-aggregator status` reads. Default:
        /// `$RUNTIME_DIRECTORY/status.sock`, else `/run/zael-aggregator/<instance>.sock`.
        public var socket: String

        public init(context: ConfigurationContext) {
            socket = context.defaultStatusSocket
        }
    }
}
