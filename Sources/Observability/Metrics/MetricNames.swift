/// The metric names the daemon exports, in one place so every component spells them the same.
///
/// Names follow Prometheus conventions: `zael_` prefix, base units (seconds), counters end in
/// `_total`. Label keys are limited to ``LabelKey``; their values must be bounded (shard IDs,
/// error classes, API names), never sequence numbers or request IDs.
///
/// Use them with swift-metrics, e.g.
/// `Counter(label: MetricNames.errors, dimensions: [(MetricNames.LabelKey.errorClass, error.metricLabel)], factory: f)`.
public enum MetricNames {
    /// The bounded label keys.
    public enum LabelKey {
        /// A stream shard ID (bounded by the shards this worker holds).
        public static let shard = "shard"
        /// An error class, e.g. `AWSError.metricLabel` (`throttling`, `transient`, …).
        public static let errorClass = "class"
        /// An AWS API name, e.g. `GetRecords`, `UpdateItem`.
        public static let api = "api"
        /// Why a stream record was rejected (`RejectionReason.metricLabel`).
        public static let reason = "reason"
    }

    /// Gauge {shard}: seconds between now and the ApproximateCreationDateTime of the last record
    /// processed on the shard (the Lambda's IteratorAge, in seconds).
    public static let iteratorAge = "zael_iterator_age_seconds"
    /// Counter: stream records processed (after filtering).
    public static let recordsProcessed = "zael_records_processed_total"
    /// Counter: batches handed to the record processor.
    public static let batches = "zael_batches_total"
    /// Counter: usage snapshot item writes (UpdateItem or transaction actions).
    public static let snapshotWrites = "zael_snapshot_writes_total"
    /// Floating-point counter: write capacity units reported as consumed by snapshot writes.
    public static let consumedWriteCapacity = "zael_consumed_write_capacity_total"
    /// Counter {class}: errors by bounded class.
    public static let errors = "zael_errors_total"
    /// Counter {api}: throttled AWS calls.
    public static let throttles = "zael_throttles_total"
    /// Counter: retried AWS calls or batches.
    public static let retries = "zael_retries_total"
    /// Counter: batches bisected after a processing error.
    public static let bisects = "zael_bisects_total"
    /// Counter: records written to the on-failure spool.
    public static let spooledRecords = "zael_spooled_records_total"
    /// Gauge: size of the on-failure spool file in bytes (bounded by `consumer.on_failure_spool_max_bytes`).
    public static let spoolBytes = "zael_spool_bytes"
    /// Gauge: leases this worker holds.
    public static let leasesOwned = "zael_leases_owned"
    /// Gauge: held leases not renewed within the failover time (kept; their shards pause until a
    /// renewal succeeds).
    public static let leasesUnconfirmed = "zael_leases_unconfirmed"
    /// Counter: leases taken (unowned or expired).
    public static let leasesTaken = "zael_leases_taken_total"
    /// Counter: leases stolen from other workers to balance load.
    public static let leasesStolen = "zael_leases_stolen_total"
    /// Counter: leases lost (renewal failed or another worker took them).
    public static let leasesLost = "zael_leases_lost_total"
    /// Timer (histogram, seconds): time to process one batch, fetch excluded.
    public static let batchDuration = "zael_batch_duration_seconds"
    /// Timer (histogram, seconds): latency of GetRecords calls.
    public static let getRecordsLatency = "zael_getrecords_latency_seconds"
    /// Counter: credential refreshes (IMDS, profile, environment).
    public static let credentialRefreshes = "zael_credential_refreshes_total"
    /// Counter: TrimmedDataAccessException seen (records lost to retention; continued from TRIM_HORIZON).
    public static let trimmedData = "zael_trimmed_data_total"
    /// Counter: write API calls by the aggregator (UpdateItem, TransactWriteItems, lone checkpoints).
    public static let writeRequests = "zael_write_requests_total"
    /// Counter: TransactWriteItems committed by the aggregator (exactly-once delivery).
    public static let transactions = "zael_transactions_total"
    /// Counter: transactions resent after a TransactionConflict.
    public static let transactionConflicts = "zael_transaction_conflicts_total"
    /// Counter {reason}: stream records the aggregator rejected (sent to the spool, never dropped).
    public static let rejectedRecords = "zael_rejected_records_total"
    /// Counter: audit events written to S3 archive objects (a replaced object counts again).
    public static let auditEventsArchived = "zael_audit_events_archived_total"
    /// Counter: audit archive objects written to S3.
    public static let auditObjectsWritten = "zael_audit_objects_written_total"
    /// Counter: compressed bytes of the audit archive objects written.
    public static let auditBytesWritten = "zael_audit_bytes_written_total"
    /// Counter {reason}: audit records that could not be archived (no action, malformed value).
    public static let auditEventsSkipped = "zael_audit_events_skipped_total"
    /// Counter {class}: audit archive writes that failed after the S3 client's retries.
    public static let auditArchiveErrors = "zael_audit_archive_errors_total"
    /// Counter {duty}: conditional writes of the Lambda's maintenance duties that landed.
    public static let dutyWrites = "zael_duty_writes_total"
    /// Counter {duty}: duty writes refused by their condition (someone else moved first).
    public static let dutyConditionFailures = "zael_duty_condition_failures_total"
    /// Counter {duty}: duty errors thrown back to the engine (the batch is delivered again).
    public static let dutyErrors = "zael_duty_errors_total"
    /// Counter {duty, reason}: buckets a duty left alone for a reason worth watching.
    public static let dutySkips = "zael_duty_skips_total"

    /// Every name above; what the engine and the aggregator emit must be a subset of it.
    public static let all: [String] = [
        iteratorAge, recordsProcessed, batches, snapshotWrites, consumedWriteCapacity, errors, throttles, retries,
        bisects, spooledRecords, spoolBytes, leasesOwned, leasesUnconfirmed, leasesTaken, leasesStolen, leasesLost,
        batchDuration, getRecordsLatency, credentialRefreshes, trimmedData, writeRequests, transactions,
        transactionConflicts,
        rejectedRecords, auditEventsArchived, auditObjectsWritten, auditBytesWritten, auditEventsSkipped,
        auditArchiveErrors, dutyWrites, dutyConditionFailures, dutyErrors, dutySkips,
    ]

    /// HELP text for each name above; the Prometheus page prints it.
    public static let help: [String: String] = [
        iteratorAge: "Age of the last processed record per shard (now minus ApproximateCreationDateTime).",
        recordsProcessed: "Stream records processed.",
        batches: "Record batches processed.",
        snapshotWrites: "Usage snapshot item writes.",
        consumedWriteCapacity: "Write capacity units consumed by snapshot writes.",
        errors: "Errors by class.",
        throttles: "Throttled AWS calls by API.",
        retries: "Retried AWS calls and batches.",
        bisects: "Batches bisected after a processing error.",
        spooledRecords: "Records written to the on-failure spool.",
        spoolBytes: "Size of the on-failure spool file in bytes.",
        leasesOwned: "Shard leases held by this worker.",
        leasesUnconfirmed: "Held shard leases not renewed within the failover time (their shards pause).",
        leasesTaken: "Shard leases taken.",
        leasesStolen: "Shard leases stolen from other workers.",
        leasesLost: "Shard leases lost.",
        batchDuration: "Time to process one batch.",
        getRecordsLatency: "Latency of GetRecords calls.",
        credentialRefreshes: "AWS credential refreshes.",
        trimmedData: "Shard reads that found records trimmed by stream retention.",
        writeRequests: "Write API calls made by the aggregator.",
        transactions: "Snapshot transactions committed.",
        transactionConflicts: "Snapshot transactions resent after a conflict.",
        rejectedRecords: "Stream records rejected by the aggregator, by reason.",
        auditEventsArchived: "Audit events written to S3 archive objects.",
        auditObjectsWritten: "Audit archive objects written to S3.",
        auditBytesWritten: "Compressed bytes of audit archive objects written to S3.",
        auditEventsSkipped: "Audit records that could not be archived, by reason.",
        auditArchiveErrors: "Audit archive writes that failed after retries, by error class.",
        dutyWrites: "Conditional writes of the bucket maintenance duties, by duty.",
        dutyConditionFailures: "Duty writes refused by their condition (someone else moved first), by duty.",
        dutyErrors: "Duty errors returned to the engine for redelivery, by duty.",
        dutySkips: "Buckets a duty left alone, by duty and reason.",
    ]
}
