import CoreMetrics
import ProbeSupport

/// The daemon's metric set (the library catalogues the daemon's MetricCatalogue joins) registered through
/// swift-metrics on any backend: 32 families, four shard series each, two timers as histograms,
/// three gauges, counters for the rest, with deterministic values.
public enum MetricWorkload {
    /// Timers (histograms in seconds).
    public static let timers = ["zael_batch_duration_seconds", "zael_getrecords_latency_seconds"]
    /// Gauges.
    public static let gauges = ["zael_iterator_age_seconds", "zael_spool_bytes", "zael_leases_owned"]
    /// Counters.
    public static let counters = [
        "zael_records_processed_total", "zael_batches_total", "zael_snapshot_writes_total",
        "zael_consumed_write_capacity_total", "zael_errors_total", "zael_throttles_total", "zael_retries_total",
        "zael_bisects_total", "zael_spooled_records_total", "zael_leases_taken_total", "zael_leases_stolen_total",
        "zael_leases_lost_total", "zael_credential_refreshes_total", "zael_trimmed_data_total",
        "zael_write_requests_total", "zael_transactions_total", "zael_transaction_conflicts_total",
        "zael_rejected_records_total", "zael_audit_events_archived_total", "zael_audit_objects_written_total",
        "zael_audit_bytes_written_total", "zael_audit_events_skipped_total", "zael_audit_archive_errors_total",
        "zael_duty_writes_total", "zael_duty_condition_failures_total", "zael_duty_errors_total",
        "zael_duty_skips_total",
    ]
    /// Shards per family.
    public static let shards = 4

    /// Registers every series on `factory` and records values; returns the handles (so the
    /// backend keeps the series alive) and the number of series.
    public static func populate(_ factory: any MetricsFactory) -> (handles: [AnyObject], series: Int) {
        var handles: [AnyObject] = []
        for shard in 0..<shards {
            let dimensions = [("shard", "shardId-0000000000\(shard)")]
            for (index, name) in counters.enumerated() {
                let counter = Counter(label: name, dimensions: dimensions, factory: factory)
                counter.increment(by: (index + 1) * (shard + 1) * 1000)
                handles.append(counter)
            }
            for (index, name) in gauges.enumerated() {
                let gauge = Gauge(label: name, dimensions: dimensions, factory: factory)
                gauge.record(Double(index * 10 + shard) + 0.5)
                handles.append(gauge)
            }
            for name in timers {
                let timer = Timer(label: name, dimensions: dimensions, factory: factory)
                for sample in 0..<50 { timer.recordNanoseconds(Int64(sample * 7_000_000 + shard * 1_000_000)) }
                handles.append(timer)
            }
        }
        return (handles, shards * (counters.count + gauges.count + timers.count))
    }

    /// Renders `count` times after one warm-up render (the READY point); reports bytes, the
    /// median render time and the series count.
    public static func measure(count: Int, series: Int, render: () -> Int) {
        let bytes = render()
        Probe.emit("READY")
        var times: [UInt64] = []
        times.reserveCapacity(count)
        for _ in 0..<count {
            let start = Probe.now()
            _ = render()
            times.append(Probe.now() - start)
        }
        Probe.stat("series", String(series))
        Probe.stat("page_bytes", String(bytes))
        Probe.stat("render_median_us", String(Double(Probe.median(times)) / 1000))
    }
}
