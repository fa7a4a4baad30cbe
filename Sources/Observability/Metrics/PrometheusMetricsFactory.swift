import CoreMetrics
import Foundation

/// A swift-metrics backend that keeps every metric in memory for the Prometheus page and the
/// CloudWatch EMF writer.
///
/// Counters and floating-point counters become Prometheus counters (names get a `_total` suffix
/// if they lack one), non-aggregating recorders (`Gauge`) and meters become gauges, timers become
/// histograms in seconds (``timerBuckets``), aggregating recorders become histograms over
/// ``recorderBuckets``. Dimensions become labels. Names and label keys are sanitized to the
/// Prometheus character set.
///
/// Creating the same name and dimensions twice returns the same series. A name already used by
/// a metric of another type is exported as `<name>_<type>` rather than producing an invalid page.
/// Thread-safe: `main` creates one instance, bootstraps `MetricsSystem` with it (tests pass it to
/// metrics explicitly) and hands it to ``MetricsHTTPServer`` and ``EMFWriter``.
public final class PrometheusMetricsFactory: MetricsFactory, @unchecked Sendable {
    /// Default timer buckets, in seconds: 1 ms to 60 s.
    public static let defaultTimerBuckets: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
    ]
    /// Default buckets for aggregating recorders (Prometheus client defaults).
    public static let defaultRecorderBuckets: [Double] = [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    private struct Family {
        let name: String
        let type: MetricType
        let help: String?
        var series: [[MetricLabel]: any PrometheusSeries]
    }

    public let timerBuckets: [Double]
    public let recorderBuckets: [Double]
    private let help: [String: String]
    private let lock = NSLock()
    private var families: [String: Family] = [:]  // guarded by `lock`

    /// - Parameter help: HELP text by exposed metric name (the daemon passes its metric
    ///   catalogue's); a family without one is rendered without a HELP line.
    public init(
        timerBuckets: [Double] = PrometheusMetricsFactory.defaultTimerBuckets,
        recorderBuckets: [Double] = PrometheusMetricsFactory.defaultRecorderBuckets,
        help: [String: String] = [:]
    ) {
        self.timerBuckets = Self.normalizedBuckets(timerBuckets)
        self.recorderBuckets = Self.normalizedBuckets(recorderBuckets)
        self.help = help
    }

    // MARK: MetricsFactory

    public func makeCounter(label: String, dimensions: [(String, String)]) -> CounterHandler {
        series(label, dimensions, .counter) { PrometheusCounter(familyName: $0, labels: $1) }
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> FloatingPointCounterHandler {
        series(label, dimensions, .counter) { PrometheusCounter(familyName: $0, labels: $1) }
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> MeterHandler {
        series(label, dimensions, .gauge) { PrometheusGauge(familyName: $0, labels: $1) }
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> RecorderHandler {
        if aggregate {
            let bounds = recorderBuckets
            return series(label, dimensions, .histogram) {
                PrometheusHistogram(familyName: $0, labels: $1, upperBounds: bounds)
            }
        }
        return series(label, dimensions, .gauge) { PrometheusGauge(familyName: $0, labels: $1) }
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> TimerHandler {
        let bounds = timerBuckets
        return series(label, dimensions, .histogram) {
            PrometheusHistogram(familyName: $0, labels: $1, upperBounds: bounds)
        }
    }

    public func destroyCounter(_ handler: CounterHandler) { remove(handler) }
    public func destroyMeter(_ handler: MeterHandler) { remove(handler) }
    public func destroyFloatingPointCounter(_ handler: FloatingPointCounterHandler) { remove(handler) }
    public func destroyRecorder(_ handler: RecorderHandler) { remove(handler) }
    public func destroyTimer(_ handler: TimerHandler) { remove(handler) }

    // MARK: Reading

    /// Every family and series, sorted by name and labels.
    public func snapshot() -> [MetricFamilySnapshot] {
        let current: [Family] = lock.withLock { Array(families.values) }
        return current.sorted { $0.name < $1.name }.map { family in
            let series = family.series.values
                .map { MetricSeriesSnapshot(labels: $0.labels, value: $0.value()) }
                .sorted { Self.labelsPrecede($0.labels, $1.labels) }
            return MetricFamilySnapshot(name: family.name, type: family.type, help: family.help, series: series)
        }
    }

    /// The Prometheus text exposition (format 0.0.4) of ``snapshot()``.
    public func render() -> String { PrometheusTextRenderer.render(snapshot()) }

    // MARK: Registry

    /// Returns the existing series of `label` + `dimensions` if it has a compatible kind, or
    /// registers a new one built by `make`.
    private func series<Handler>(
        _ label: String, _ dimensions: [(String, String)], _ type: MetricType,
        make: (String, [MetricLabel]) -> Handler
    ) -> Handler where Handler: PrometheusSeries {
        let labels = Self.labels(from: dimensions, type: type)
        return lock.withLock {
            var name = Self.exposedName(label, type: type)
            if let existing = families[name], existing.type != type {
                name = Self.exposedName(label + "_" + type.rawValue, type: type)
            }
            var family = families[name] ?? Family(name: name, type: type, help: help[name], series: [:])
            if let existing = family.series[labels] as? Handler {
                return existing
            }
            // Each type has one series class, so a miss means a new series. A timer and an
            // aggregating recorder of one name share a histogram and its first creator's buckets.
            let created = make(name, labels)
            family.series[labels] = created
            families[name] = family
            return created
        }
    }

    private func remove(_ handler: AnyObject) {
        guard let series = handler as? any PrometheusSeries else { return }
        lock.withLock {
            guard var family = families[series.familyName], family.series[series.labels] === series else { return }
            family.series[series.labels] = nil
            families[series.familyName] = family.series.isEmpty ? nil : family
        }
    }

    // MARK: Names

    /// A valid metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`, counters suffixed `_total`.
    static func exposedName(_ label: String, type: MetricType) -> String {
        var name = sanitize(label, allowColon: true)
        if type == .counter, !name.hasSuffix("_total") { name += "_total" }
        return name
    }

    /// A valid label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with the reserved `__`.
    static func labelName(_ key: String) -> String {
        let name = sanitize(key, allowColon: false)
        return name.hasPrefix("__") ? "x" + name : name
    }

    private static func sanitize(_ raw: String, allowColon: Bool) -> String {
        var out = ""
        for scalar in raw.unicodeScalars {
            let ok =
                (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
                || (scalar >= "0" && scalar <= "9") || scalar == "_" || (allowColon && scalar == ":")
            out.unicodeScalars.append(ok ? scalar : "_")
        }
        if out.isEmpty || out.unicodeScalars.first!.properties.numericType != nil { out = "_" + out }
        return out
    }

    private static func labels(from dimensions: [(String, String)], type: MetricType) -> [MetricLabel] {
        var byName: [String: String] = [:]
        for (key, value) in dimensions {
            var name = labelName(key)
            // `le` is the bucket label of histograms; a dimension of that name would clash.
            if type == .histogram, name == "le" { name = "le_" }
            byName[name] = value  // the last of duplicate keys wins
        }
        return byName.map { MetricLabel($0.key, $0.value) }.sorted { $0.name < $1.name }
    }

    private static func labelsPrecede(_ lhs: [MetricLabel], _ rhs: [MetricLabel]) -> Bool {
        for (l, r) in zip(lhs, rhs) where l != r {
            return l.name != r.name ? l.name < r.name : l.value < r.value
        }
        return lhs.count < rhs.count
    }

    private static func normalizedBuckets(_ buckets: [Double]) -> [Double] {
        Array(Set(buckets.filter(\.isFinite))).sorted()
    }
}
