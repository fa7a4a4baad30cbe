/// The metric names the engine emits.
///
/// They are the daemon's documented names (Observability's `MetricNames`, docs/operations.md),
/// spelled again here because the engine does not depend on Observability; a test of the
/// daemon compares the two and fails when they drift.
public enum ConsumerMetricNames {
    /// Gauge {shard}: now minus the ApproximateCreationDateTime of the last record fetched.
    public static let iteratorAge = "zael_iterator_age_seconds"
    public static let recordsProcessed = "zael_records_processed_total"
    public static let batches = "zael_batches_total"
    /// Counter {class}.
    public static let errors = "zael_errors_total"
    /// Counter {api}.
    public static let throttles = "zael_throttles_total"
    public static let retries = "zael_retries_total"
    public static let bisects = "zael_bisects_total"
    public static let spooledRecords = "zael_spooled_records_total"
    public static let leasesOwned = "zael_leases_owned"
    /// Gauge: held leases not renewed within the failover time (their shards pause).
    public static let leasesUnconfirmed = "zael_leases_unconfirmed"
    public static let leasesTaken = "zael_leases_taken_total"
    public static let leasesStolen = "zael_leases_stolen_total"
    public static let leasesLost = "zael_leases_lost_total"
    /// Timer: from handing a batch to the lanes until every lane is done.
    public static let batchDuration = "zael_batch_duration_seconds"
    /// Timer: one GetRecords call, retries included.
    public static let getRecordsLatency = "zael_getrecords_latency_seconds"
    public static let trimmedData = "zael_trimmed_data_total"
    /// Gauge: size of the on-failure spool file in bytes.
    public static let spoolBytes = "zael_spool_bytes"

    /// Label keys.
    public static let shardLabel = "shard"
    public static let classLabel = "class"
    public static let apiLabel = "api"

    /// Every name above.
    public static let all: [String] = [
        iteratorAge, recordsProcessed, batches, errors, throttles, retries, bisects, spooledRecords, leasesOwned,
        leasesUnconfirmed, leasesTaken, leasesStolen, leasesLost, batchDuration, getRecordsLatency, trimmedData,
        spoolBytes,
    ]
}
