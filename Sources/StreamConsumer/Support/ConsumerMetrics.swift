import CoreMetrics
import Foundation
import Metrics

/// The engine's metrics, created through one injected `MetricsFactory` (the global one when nil).
///
/// Dimensions stay bounded: error classes, fault codes and shard ids (which rotate slowly and
/// drop off with their leases), never sequence numbers or request ids.
public final class ConsumerMetrics: @unchecked Sendable {
    // `perShard` and `byLabel` are guarded by `lock`; the metric objects are thread-safe.
    private let factory: MetricsFactory?
    private let lock = NSLock()
    private var perShard: [String: Gauge] = [:]
    private var byLabel: [String: Counter] = [:]

    let recordsProcessed: Counter
    let batches: Counter
    let retries: Counter
    let bisects: Counter
    let spooledRecords: Counter
    let leasesOwned: Gauge
    let leasesTaken: Counter
    let leasesStolen: Counter
    let leasesLost: Counter
    let throttles: Counter
    let getRecordsLatency: Timer
    let trimmedData: Counter

    public init(factory: MetricsFactory? = nil) {
        self.factory = factory
        func counter(_ label: String) -> Counter {
            factory.map { Counter(label: label, dimensions: [], factory: $0) } ?? Counter(label: label)
        }
        recordsProcessed = counter("zael_consumer_records_processed_total")
        batches = counter("zael_consumer_batches_total")
        retries = counter("zael_consumer_retries_total")
        bisects = counter("zael_consumer_bisects_total")
        spooledRecords = counter("zael_consumer_spooled_records_total")
        leasesTaken = counter("zael_consumer_leases_taken_total")
        leasesStolen = counter("zael_consumer_leases_stolen_total")
        leasesLost = counter("zael_consumer_leases_lost_total")
        throttles = counter("zael_consumer_throttles_total")
        trimmedData = counter("zael_consumer_trimmed_data_total")
        leasesOwned =
            factory.map { Gauge(label: "zael_consumer_leases_owned", dimensions: [], factory: $0) }
            ?? Gauge(label: "zael_consumer_leases_owned")
        getRecordsLatency =
            factory.map { Timer(label: "zael_consumer_get_records_seconds", dimensions: [], factory: $0) }
            ?? Timer(label: "zael_consumer_get_records_seconds")
    }

    /// Counts an error of class `label` (an `AWSError.metricLabel`, a fault code or "processor").
    func error(_ label: String) {
        let counter = lock.withLock { () -> Counter in
            if let counter = byLabel[label] { return counter }
            let dimensions = [("class", label)]
            let counter =
                factory.map { Counter(label: "zael_consumer_errors_total", dimensions: dimensions, factory: $0) }
                ?? Counter(label: "zael_consumer_errors_total", dimensions: dimensions)
            byLabel[label] = counter
            return counter
        }
        counter.increment()
    }

    /// Records the iterator age of a shard.
    func iteratorAge(shardId: String, seconds: Double) {
        let gauge = lock.withLock { () -> Gauge in
            if let gauge = perShard[shardId] { return gauge }
            let dimensions = [("shard", shardId)]
            let gauge =
                factory.map { Gauge(label: "zael_consumer_iterator_age_seconds", dimensions: dimensions, factory: $0) }
                ?? Gauge(label: "zael_consumer_iterator_age_seconds", dimensions: dimensions)
            perShard[shardId] = gauge
            return gauge
        }
        gauge.record(seconds)
    }

    /// Forgets a shard's gauge when its consumer stops.
    func forgetShard(_ shardId: String) {
        lock.withLock { _ = perShard.removeValue(forKey: shardId) }
    }
}
