import AWSCore

/// The metrics the engine emits, each declared once with its kind, labels and HELP text; the
/// daemon joins this catalogue with the others (docs/operations.md lists them all).
public enum ConsumerMetricNames {
    /// Gauge {shard}: now minus the ApproximateCreationDateTime of the last record fetched.
    public static let iteratorAge = "zael_iterator_age_seconds"
    /// Counter: stream records processed (after filtering).
    public static let recordsProcessed = "zael_records_processed_total"
    /// Counter: batches handed to the record processor.
    public static let batches = "zael_batches_total"
    /// Counter {class}: errors that reached the engine, by bounded class.
    public static let errors = "zael_errors_total"
    /// Counter {api}: throttled AWS calls (the daemon's AWS clients count here too).
    public static let throttles = "zael_throttles_total"
    /// Counter: retried AWS calls (the daemon's AWS clients) and retried batches.
    public static let retries = "zael_retries_total"
    /// Counter: batches bisected after a processing error.
    public static let bisects = "zael_bisects_total"
    /// Counter: records written to the on-failure spool.
    public static let spooledRecords = "zael_spooled_records_total"
    /// Gauge: leases this worker holds.
    public static let leasesOwned = "zael_leases_owned"
    /// Gauge: held leases not renewed within the failover time (their shards pause).
    public static let leasesUnconfirmed = "zael_leases_unconfirmed"
    /// Counter: leases taken (unowned or expired).
    public static let leasesTaken = "zael_leases_taken_total"
    /// Counter: leases stolen from other workers to balance load.
    public static let leasesStolen = "zael_leases_stolen_total"
    /// Counter: leases lost (renewal failed or another worker took them).
    public static let leasesLost = "zael_leases_lost_total"
    /// Timer: from handing a batch to the lanes until every lane is done.
    public static let batchDuration = "zael_batch_duration_seconds"
    /// Timer: one GetRecords call, retries included.
    public static let getRecordsLatency = "zael_getrecords_latency_seconds"
    /// Counter: TrimmedDataAccessException seen (records lost to retention).
    public static let trimmedData = "zael_trimmed_data_total"
    /// Gauge: size of the on-failure spool file in bytes.
    public static let spoolBytes = "zael_spool_bytes"

    /// Label keys.
    public static let shardLabel = "shard"
    public static let classLabel = "class"
    public static let apiLabel = "api"

    /// Every metric above, declared once.
    public static let catalogue: [MetricDescriptor] = [
        MetricDescriptor(
            iteratorAge, .gauge, labels: [shardLabel],
            help: "Age of the last processed record per shard (now minus ApproximateCreationDateTime)."),
        MetricDescriptor(recordsProcessed, .counter, help: "Stream records processed."),
        MetricDescriptor(batches, .counter, help: "Record batches processed."),
        MetricDescriptor(batchDuration, .histogram, help: "Time to process one batch."),
        MetricDescriptor(getRecordsLatency, .histogram, help: "Latency of GetRecords calls."),
        MetricDescriptor(errors, .counter, labels: [classLabel], help: "Errors by class."),
        MetricDescriptor(throttles, .counter, labels: [apiLabel], help: "Throttled AWS calls by API."),
        MetricDescriptor(retries, .counter, help: "Retried AWS calls and batches."),
        MetricDescriptor(bisects, .counter, help: "Batches bisected after a processing error."),
        MetricDescriptor(spooledRecords, .counter, help: "Records written to the on-failure spool."),
        MetricDescriptor(spoolBytes, .gauge, help: "Size of the on-failure spool file in bytes."),
        MetricDescriptor(leasesOwned, .gauge, help: "Shard leases held by this worker."),
        MetricDescriptor(
            leasesUnconfirmed, .gauge,
            help: "Held shard leases not renewed within the failover time (their shards pause)."),
        MetricDescriptor(leasesTaken, .counter, help: "Shard leases taken."),
        MetricDescriptor(leasesStolen, .counter, help: "Shard leases stolen from other workers."),
        MetricDescriptor(leasesLost, .counter, help: "Shard leases lost."),
        MetricDescriptor(trimmedData, .counter, help: "Shard reads that found records trimmed by stream retention."),
    ]
}
