import CoreMetrics
import Foundation
import Metrics

/// The engine's metrics, created through one injected `MetricsFactory` (the global one when nil),
/// under the names of ``ConsumerMetricNames``.
///
/// Dimensions stay bounded: error classes, fault codes, API names and shard ids (which rotate
/// slowly and are destroyed with their consumers), never sequence numbers or request ids.
public final class ConsumerMetrics: @unchecked Sendable {
    // `perShard` and `labelled` are guarded by `lock`; the metric objects are thread-safe.
    private let factory: MetricsFactory?
    private let lock = NSLock()
    private var perShard: [String: Gauge] = [:]
    private var labelled: [String: Counter] = [:]

    let recordsProcessed: Counter
    let batches: Counter
    let retries: Counter
    let bisects: Counter
    let spooledRecords: Counter
    let leasesOwned: Gauge
    let leasesUnconfirmed: Gauge
    let leasesTaken: Counter
    let leasesStolen: Counter
    let leasesLost: Counter
    let getRecordsLatency: Timer
    let batchDuration: Timer
    let trimmedData: Counter

    public init(factory: MetricsFactory? = nil) {
        self.factory = factory
        func counter(_ label: String) -> Counter {
            factory.map { Counter(label: label, dimensions: [], factory: $0) } ?? Counter(label: label)
        }
        func timer(_ label: String) -> Timer {
            factory.map { Timer(label: label, dimensions: [], factory: $0) } ?? Timer(label: label)
        }
        typealias Names = ConsumerMetricNames
        recordsProcessed = counter(Names.recordsProcessed)
        batches = counter(Names.batches)
        retries = counter(Names.retries)
        bisects = counter(Names.bisects)
        spooledRecords = counter(Names.spooledRecords)
        leasesTaken = counter(Names.leasesTaken)
        leasesStolen = counter(Names.leasesStolen)
        leasesLost = counter(Names.leasesLost)
        trimmedData = counter(Names.trimmedData)
        func gauge(_ label: String) -> Gauge {
            factory.map { Gauge(label: label, dimensions: [], factory: $0) } ?? Gauge(label: label)
        }
        leasesOwned = gauge(Names.leasesOwned)
        leasesUnconfirmed = gauge(Names.leasesUnconfirmed)
        getRecordsLatency = timer(Names.getRecordsLatency)
        batchDuration = timer(Names.batchDuration)
    }

    /// Counts an error of class `label` (an `AWSError.metricLabel`, a fault code or "processor").
    func error(_ label: String) {
        counter(ConsumerMetricNames.errors, ConsumerMetricNames.classLabel, label).increment()
    }

    /// Counts a throttled call of `api` that reached the engine (after the client's own retries).
    func throttled(api: String) {
        counter(ConsumerMetricNames.throttles, ConsumerMetricNames.apiLabel, api).increment()
    }

    private func counter(_ name: String, _ key: String, _ value: String) -> Counter {
        lock.withLock { () -> Counter in
            let cacheKey = name + "|" + value
            if let counter = labelled[cacheKey] { return counter }
            let dimensions = [(key, value)]
            let counter =
                factory.map { Counter(label: name, dimensions: dimensions, factory: $0) }
                ?? Counter(label: name, dimensions: dimensions)
            labelled[cacheKey] = counter
            return counter
        }
    }

    /// Records the iterator age of a shard.
    func iteratorAge(shardId: String, seconds: Double) {
        let gauge = lock.withLock { () -> Gauge in
            if let gauge = perShard[shardId] { return gauge }
            let dimensions = [(ConsumerMetricNames.shardLabel, shardId)]
            let gauge =
                factory.map { Gauge(label: ConsumerMetricNames.iteratorAge, dimensions: dimensions, factory: $0) }
                ?? Gauge(label: ConsumerMetricNames.iteratorAge, dimensions: dimensions)
            perShard[shardId] = gauge
            return gauge
        }
        gauge.record(seconds)
    }

    /// Destroys a shard's gauge when its consumer stops, so a shard this worker no longer holds
    /// disappears from the Prometheus page and the EMF lines instead of showing a frozen age.
    func forgetShard(_ shardId: String) {
        let gauge = lock.withLock { perShard.removeValue(forKey: shardId) }
        gauge?.destroy()
    }
}
