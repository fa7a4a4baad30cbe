import CoreMetrics
import Foundation

/// What every series kind exposes to the registry: where it is registered (so `destroy*` can
/// find it) and its current value.
protocol PrometheusSeries: AnyObject, Sendable {
    var familyName: String { get }
    /// Labels sorted by name.
    var labels: [MetricLabel] { get }
    func value() -> MetricValue
}

/// A counter series; backs both `Counter` and `FloatingPointCounter`.
final class PrometheusCounter: PrometheusSeries, CounterHandler, FloatingPointCounterHandler, @unchecked Sendable {
    let familyName: String
    let labels: [MetricLabel]
    private let lock = NSLock()
    // Guarded by `lock`.
    private var integer: Int64 = 0
    private var fraction: Double = 0

    func increment(by amount: Int64) {
        // Counters are monotonic: Prometheus treats any decrease as a reset, so refuse it.
        guard amount > 0 else { return }
        lock.withLock {
            let (sum, overflow) = integer.addingReportingOverflow(amount)
            integer = overflow ? .max : sum
        }
    }

    func increment(by amount: Double) {
        guard amount > 0, amount.isFinite else { return }
        lock.withLock { fraction += amount }
    }

    func reset() {
        lock.withLock {
            integer = 0
            fraction = 0
        }
    }

    init(familyName: String, labels: [MetricLabel]) {
        self.familyName = familyName
        self.labels = labels
    }

    func value() -> MetricValue {
        lock.withLock { .counter(integer: integer, fraction: fraction) }
    }
}

/// A gauge series; backs non-aggregating `Recorder`s (`Gauge`) and `Meter`s.
final class PrometheusGauge: PrometheusSeries, RecorderHandler, MeterHandler, @unchecked Sendable {
    let familyName: String
    let labels: [MetricLabel]
    private let lock = NSLock()
    // Guarded by `lock`.
    private var current: Double = 0

    init(familyName: String, labels: [MetricLabel]) {
        self.familyName = familyName
        self.labels = labels
    }

    func record(_ value: Int64) { set(Double(value)) }
    func record(_ value: Double) { set(value) }
    func set(_ value: Int64) { set(Double(value)) }
    func set(_ value: Double) { lock.withLock { current = value } }
    func increment(by amount: Double) { lock.withLock { current += amount } }
    func decrement(by amount: Double) { lock.withLock { current -= amount } }

    func value() -> MetricValue { lock.withLock { .gauge(current) } }
}

/// A histogram series; backs `Timer`s (observations in seconds) and aggregating `Recorder`s.
final class PrometheusHistogram: PrometheusSeries, RecorderHandler, TimerHandler, @unchecked Sendable {
    let familyName: String
    let labels: [MetricLabel]
    private let lock = NSLock()
    private let upperBounds: [Double]  // immutable, ascending, finite
    // Guarded by `lock`: per-bucket (non-cumulative) counts; the last slot is the +Inf bucket.
    private var counts: [UInt64]
    private var sum: Double = 0
    private var count: UInt64 = 0

    init(familyName: String, labels: [MetricLabel], upperBounds: [Double]) {
        self.upperBounds = upperBounds
        self.counts = Array(repeating: 0, count: upperBounds.count + 1)
        self.familyName = familyName
        self.labels = labels
    }

    func record(_ value: Int64) { observe(Double(value)) }
    func record(_ value: Double) { observe(value) }
    func recordNanoseconds(_ duration: Int64) { observe(Double(duration) / 1e9) }

    private func observe(_ value: Double) {
        guard !value.isNaN else { return }
        // Index of the first bound ≥ value; the bounds are few, so a linear scan is fine.
        let index = upperBounds.firstIndex { value <= $0 } ?? upperBounds.count
        lock.withLock {
            counts[index] &+= 1
            count &+= 1
            sum += value
        }
    }

    func value() -> MetricValue {
        lock.withLock {
            var cumulative: UInt64 = 0
            var buckets: [(upperBound: Double, cumulativeCount: UInt64)] = []
            buckets.reserveCapacity(upperBounds.count)
            for (index, bound) in upperBounds.enumerated() {
                cumulative &+= counts[index]
                buckets.append((bound, cumulative))
            }
            return .histogram(HistogramSnapshot(buckets: buckets, sum: sum, count: count))
        }
    }
}
