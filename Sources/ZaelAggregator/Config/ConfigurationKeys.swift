import Logging
import StreamConsumer
import SystemdSupport
import ZaeLimiter

/// Every configuration key, declared once (see `ConfigurationKey`). `all` lists them in file
/// order; adding a key means a property in its section, a declaration here and its entry in `all`.
public enum ConfigurationKeys {
    typealias Key = ConfigurationKey

    /// Every key, in file order; the sections follow from it.
    public static let all: [AnyConfigurationKey] = [
        .init(region), .init(profile), .init(endpoint), .init(streamsEndpoint),
        .init(tableName), .init(streamARN),
        .init(leaseTable), .init(createLeaseTable), .init(failoverTime), .init(workerID), .init(shardSyncInterval),
        .init(batchSize), .init(batchingWindow), .init(parallelizationFactor), .init(startingPosition),
        .init(maxRetryAttempts), .init(maxRecordAge), .init(bisectOnError), .init(onFailureSpool),
        .init(onFailureSpoolMaxMiB), .init(idlePoll), .init(maxIdlePoll), .init(httpTimeout), .init(filters),
        .init(windows), .init(snapshotTTL), .init(delivery), .init(allowUnknownSchema),
        .init(refill), .init(proactiveShard), .init(propagateShardCount),
        .init(logLevel), .init(logFormat),
        .init(metricsListen), .init(emfFile),
        .init(statusSocket),
        .init(archivalBucket), .init(archivalPrefix), .init(archivalRegion), .init(archivalEndpoint),
        .init(archivalPathStyle),
    ]

    private static let urlAllowed = "an http(s) URL"
    private static let dynamoDBExample = "https://dynamodb.eu-west-1.amazonaws.com"
    private static let tableAllowed = "a DynamoDB table name: 3–255 of `A-Z a-z 0-9 _ - .`"

    // MARK: [aws]

    static let region = Key(
        "aws.region", default: nil,
        .optionalText(unset: "resolved at start-up from AWS_REGION, AWS_DEFAULT_REGION, the profile or IMDS")
            .checked(allowed: "a region name such as `eu-west-1`", ConfigurationChecks.region),
        into: \.aws.region, help: "AWS region.")
    static let profile = Key(
        "aws.profile", default: nil, .optionalText(unset: "AWS_PROFILE, else the default profile"),
        into: \.aws.profile,
        help:
            "Shared-config profile for credentials and region; static keys only (a role, process or SSO profile is refused)."
    )
    static let endpoint = Key(
        "aws.endpoint", default: nil,
        .optionalText(unset: "the regional AWS endpoints").checked(allowed: urlAllowed) {
            ConfigurationChecks.httpURL($0, example: dynamoDBExample)
        },
        into: \.aws.endpoint, help: "Endpoint URL for DynamoDB and DynamoDB Streams (e.g. a local test server).")
    static let streamsEndpoint = Key(
        "aws.streams_endpoint", default: nil,
        .optionalText(unset: "aws.endpoint, else the regional endpoint").checked(allowed: urlAllowed) {
            ConfigurationChecks.httpURL($0, example: dynamoDBExample)
        },
        into: \.aws.streamsEndpoint, help: "Endpoint URL for DynamoDB Streams only; wins over `aws.endpoint`.")

    // MARK: [table]

    /// Required: `ConfigurationLoader` reports it when missing.
    static let tableName = Key(
        "table.name", default: "", described: "none: required",
        .text.checked(allowed: tableAllowed, ConfigurationChecks.tableName), into: \.table.name,
        help: "The zae-limiter table. Required.")
    static let streamARN = Key(
        "table.stream_arn", default: nil,
        .optionalText(unset: "the table's LatestStreamArn").checked(
            allowed: "a DynamoDB stream ARN", ConfigurationChecks.streamARN),
        into: \.table.streamARN, help: "The stream to consume.")

    // MARK: [leases]

    static let leaseTable = Key(
        "leases.table", default: { _, table in "\(table)-zael-leases" }, described: "`<table.name>-zael-leases`",
        .text.checked(allowed: tableAllowed, ConfigurationChecks.tableName), into: \.leases.table,
        help: "The KCL-compatible lease table.")
    static let createLeaseTable = Key(
        "leases.create_table", default: true, .bool, into: \.leases.createTable,
        help: "Create the lease table (on-demand) when missing.")
    static let failoverTime = Key(
        "leases.failover_time_seconds", default: .seconds(10), .seconds(3...300), into: \.leases.failoverTime,
        help: "A lease whose counter and whose worker's heartbeat stood still this long may be taken by another "
            + "worker; the heartbeat is written every third, each call limited to 0.3 × this.")
    static let workerID = Key(
        "leases.worker_id", default: { context, _ in context.defaultWorkerID },
        described: "`<hostname>-<random>`, fixed for the process's life", .text, into: \.leases.workerID,
        help: "This worker's name in the lease table.")
    static let shardSyncInterval = Key(
        "leases.shard_sync_interval_seconds", default: .seconds(60), .seconds(5...3600),
        into: \.leases.shardSyncInterval, help: "How often the shard list is re-read.")

    // MARK: [consumer]

    static let batchSize = Key(
        "consumer.batch_size", default: 100, .integer(1...10_000), reloadable: true, into: \.consumer.batchSize,
        help: "Most records per processor batch.")
    static let batchingWindow = Key(
        "consumer.batching_window_seconds", default: .seconds(5), .seconds(0...300), reloadable: true,
        into: \.consumer.batchingWindow, help: "How long to gather records before a batch that is not full.")
    static let parallelizationFactor = Key(
        "consumer.parallelization_factor", default: 1, .integer(1...10), reloadable: true,
        into: \.consumer.parallelizationFactor, help: "Lanes per shard (records of one item stay in order).")
    static let startingPosition = Key(
        "consumer.starting_position", default: StartingPosition.latest, .choice, into: \.consumer.startingPosition,
        help: "Where a shard without a checkpoint starts.")
    static let maxRetryAttempts = Key(
        "consumer.max_retry_attempts", default: 3, .integer(0...10_000, orNone: "retry until the record expires"),
        reloadable: true, into: \.consumer.maxRetryAttempts,
        help: "Retries of a failing batch before its records are spooled.")
    static let maxRecordAge = Key(
        "consumer.max_record_age_seconds", default: .seconds(3600), .seconds(60...604_800, orNone: "no limit"),
        reloadable: true, into: \.consumer.maxRecordAge, help: "Older records are spooled, not processed.")
    static let bisectOnError = Key(
        "consumer.bisect_on_error", default: true, .bool, reloadable: true, into: \.consumer.bisectOnError,
        help: "Split a failing batch in two and retry the halves.")
    static let onFailureSpool = Key(
        "consumer.on_failure_spool", default: { context, _ in context.defaultSpoolPath },
        described: "`$STATE_DIRECTORY/failed.jsonl`, else `./failed.jsonl`", .text, into: \.consumer.onFailureSpool,
        help: "JSON-lines file for records given up on (the Lambda's DLQ).")
    static let onFailureSpoolMaxMiB = Key(
        "consumer.on_failure_spool_max_mb", default: 1024, .integer(1...1_048_576),
        into: \.consumer.onFailureSpoolMaxMiB,
        help:
            "The spool file's size bound in MiB; once reached, records wait (the shard stops, loudly) until it is rotated or replayed."
    )
    static let idlePoll = Key(
        "consumer.idle_poll_seconds", default: .seconds(1), .fractionalSeconds(0.1...10), reloadable: true,
        into: \.consumer.idlePoll,
        help:
            "Pause after an empty GetRecords page; grows while the shard stays empty, up to max_idle_poll_seconds."
    )
    static let maxIdlePoll = Key(
        "consumer.max_idle_poll_seconds", default: .seconds(2), .fractionalSeconds(0.1...60), reloadable: true,
        into: \.consumer.maxIdlePoll,
        help:
            "Ceiling of the idle pause of a quiet shard (never below the idle poll, never beyond the batching window)."
    )
    static let httpTimeout = Key(
        "consumer.http_timeout_seconds", default: .seconds(10), .fractionalSeconds(1...300),
        into: \.consumer.httpTimeout, help: "Per-request timeout of AWS calls.")
    static let filters = Key(
        "consumer.filters", default: ZaeLimiterRecordSelection.zaeLimiter, .choice, into: \.consumer.filters,
        help: "`zae-limiter` (the Lambda's filter criteria) or `none` (every record).")

    // MARK: [aggregation]

    static let windows = Key(
        "aggregation.windows", default: [UsageWindow.hourly, .daily], .list(of: UsageWindow.self),
        into: \.aggregation.windows, help: "Snapshot windows (as zae-limiter's Lambda by default).")
    static let snapshotTTL = Key(
        "aggregation.snapshot_ttl_days", default: .seconds(90 * 86_400), .days(1...3650),
        into: \.aggregation.snapshotTTL, help: "TTL set on new snapshot items.")
    static let delivery = Key(
        "aggregation.delivery", default: SnapshotDelivery.exactlyOnce, .choice, into: \.aggregation.delivery,
        help: "`exactly-once` (fenced transactional writes) or `at-least-once` (cheaper; a crash may re-apply).")
    static let allowUnknownSchema = Key(
        "aggregation.allow_unknown_schema", default: false, .bool, into: \.aggregation.allowUnknownSchema,
        help: "Process a table whose zae-limiter schema version this build does not know.")

    // MARK: [duties]

    static let refill = Key(
        "duties.refill", default: true, .bool, reloadable: true, into: \.duties.refill,
        help: "Proactive bucket refill, as the Lambda does (one conditional write per bucket per batch).")
    static let proactiveShard = Key(
        "duties.proactive_shard", default: true, .bool, reloadable: true, into: \.duties.proactiveShard,
        help: "Double an entity's shard_count when shard 0's wcu balance runs low.")
    static let propagateShardCount = Key(
        "duties.propagate_shard_count", default: true, .bool, reloadable: true, into: \.duties.propagateShardCount,
        help: "Carry a doubled shard_count to the entity's other shards (pre-creating missing ones).")

    // MARK: [logging]

    static let logLevel = Key(
        "logging.level", default: Logger.Level.info, .choice, reloadable: true, into: \.logging.level,
        help: "Log level.")
    static let logFormat = Key(
        "logging.format", default: LoggingBootstrap.Format.auto, .choice, into: \.logging.format,
        help: "`auto` is journald under systemd, else text.")

    // MARK: [metrics]

    static let metricsListen = Key(
        "metrics.listen", default: nil,
        .optionalText().checked(allowed: "`HOST:PORT`, or `\"\"` (off)", ConfigurationChecks.hostPort),
        into: \.metrics.listen,
        help: "Prometheus endpoint `HOST:PORT` (e.g. `127.0.0.1:9464`); no authentication, keep it private.")
    static let emfFile = Key(
        "metrics.emf_file", default: nil, .optionalText(), into: \.metrics.emfFile,
        help: "File to append CloudWatch EMF lines to.")

    // MARK: [status]

    static let statusSocket = Key(
        "status.socket", default: { context, _ in context.defaultStatusSocket },
        described: "`$RUNTIME_DIRECTORY/status.sock`, else `/run/zael-aggregator/<instance>.sock`", .text,
        into: \.status.socket, help: "The AF_UNIX socket `zael-aggregator status` reads.")

    // MARK: [archival]

    static let archivalBucket = Key(
        "archival.bucket", default: nil,
        .optionalText().checked(allowed: "an S3 bucket name, or `\"\"` (off)", ConfigurationChecks.bucketName),
        into: \.archival.bucket,
        help:
            "S3 bucket for the audit events of TTL-expired audit items (the stack's AuditArchiveBucketName; "
            + "section 9 of the operations page).")
    static let archivalPrefix = Key(
        "archival.prefix", default: "audit/",
        .anyText.checked(
            allowed: "up to 512 bytes, no leading `/`, no control characters", ConfigurationChecks.keyPrefix),
        into: \.archival.prefix, help: "Key prefix before `year=YYYY/month=MM/day=DD/` (the Lambda's by default).")
    static let archivalRegion = Key(
        "archival.region", default: nil,
        .optionalText(unset: "the daemon's AWS region")
            .checked(allowed: "a region name such as `eu-west-1`", ConfigurationChecks.region),
        into: \.archival.region, help: "The bucket's region.")
    static let archivalEndpoint = Key(
        "archival.endpoint", default: nil,
        .optionalText(unset: "AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else the regional S3 endpoint")
            .checked(allowed: urlAllowed) {
                ConfigurationChecks.httpURL($0, example: "https://s3.eu-west-1.amazonaws.com")
            },
        into: \.archival.endpoint, help: "A URL replacing the regional S3 endpoint (S3-compatible stores, tests).")
    static let archivalPathStyle = Key(
        "archival.path_style", default: false, .bool, into: \.archival.pathStyle,
        help: "Always use path-style URLs (else virtual-hosted unless the bucket name needs path style).")
}
