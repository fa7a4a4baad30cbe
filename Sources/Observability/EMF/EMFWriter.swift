import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Appends CloudWatch Embedded Metric Format lines to a file that the CloudWatch agent tails.
///
/// It reads the daemon's metrics from the ``PrometheusMetricsFactory`` (so components only use
/// swift-metrics) and, every flush, writes:
/// - one line with dimension `StreamName`: `IteratorAge` (the highest over shards, milliseconds,
///   as the Lambda's IteratorAge metric the seed runbook alarms on), and the counts since the
///   previous flush of `RecordsProcessed`, `Batches`, `SnapshotWrites`, `Errors`, `Throttles`,
///   `Retries`, `SpooledRecords` (the Lambda's DLQ alarm counterpart);
/// - one line per shard with dimensions `StreamName`, `ShardId`: that shard's `IteratorAge`.
///
/// Shards appear while their `zael_iterator_age_seconds{shard}` gauge exists; the owner of a
/// shard destroys the gauge when it drops the lease, so a lost shard stops being reported.
/// Flushes run on the writer's own serial queue; file errors are logged, never thrown at callers
/// of ``start(interval:)``.
public final class EMFWriter: @unchecked Sendable {
    /// The CloudWatch namespace of every metric.
    public static let namespace = "ZaelAggregator"

    private let path: String
    private let streamName: String
    private let metrics: PrometheusMetricsFactory
    private let sources: EMFMetricSources
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let queue = DispatchQueue(label: "zael.emf-writer")
    // Guarded by `queue`.
    private var previousTotals: [String: Double] = [:]
    private var timer: DispatchSourceTimer?

    /// - Parameters:
    ///   - path: the file to append to; created with mode 0640 if missing.
    ///   - streamName: the `StreamName` dimension, bounded (one value per daemon instance).
    ///   - sources: which Prometheus metrics feed which EMF metrics (the daemon names them from
    ///     its metric catalogue).
    public init(
        path: String, streamName: String, metrics: PrometheusMetricsFactory,
        sources: EMFMetricSources, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.path = path
        self.streamName = streamName
        self.metrics = metrics
        self.sources = sources
        self.logger = logger
        self.now = now
    }

    /// Flushes every `interval` until ``stop()``.
    public func start(interval: Duration = .seconds(60)) {
        let nanoseconds = max(
            1, Int(interval.components.seconds * 1_000_000_000 + interval.components.attoseconds / 1_000_000_000))
        queue.sync {
            guard timer == nil else { return }
            let source = DispatchSource.makeTimerSource(queue: queue)
            source.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds))
            source.setEventHandler { [weak self] in self?.flushLogging() }
            source.resume()
            timer = source
        }
    }

    /// Stops the timer and writes a last flush.
    public func stop() {
        queue.sync {
            timer?.cancel()
            timer = nil
        }
        queue.sync { flushLogging() }
    }

    /// Writes one flush now and returns the lines written.
    @discardableResult
    public func flush() throws -> [String] {
        try queue.sync { try flushOnQueue() }
    }

    private func flushLogging() {
        do {
            _ = try flushOnQueue()
        } catch {
            logger.warning("EMF flush failed", metadata: ["emf.file": "\(path)", "error": "\(error)"])
        }
    }

    private func flushOnQueue() throws -> [String] {
        dispatchPrecondition(condition: .onQueue(queue))
        let lines = makeLines(from: metrics.snapshot(), at: now())
        try append(lines)
        return lines
    }

    /// Builds the lines of one flush and remembers the counter totals for the next deltas.
    func makeLines(from families: [MetricFamilySnapshot], at date: Date) -> [String] {
        let byName = Dictionary(families.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let timestamp = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))

        var shardAges: [(shard: String, milliseconds: Double)] = []
        for series in byName[sources.iteratorAge]?.series ?? [] {
            let milliseconds = (series.value.doubleValue * 1000).rounded()
            guard let shard = series.label(sources.shardLabel), milliseconds.isFinite else { continue }
            shardAges.append((shard, milliseconds))
        }

        var streamValues: [String: Double] = [:]
        var units: [(String, String)] = []
        if let maxAge = shardAges.map(\.milliseconds).max() {
            streamValues["IteratorAge"] = maxAge
            units.append(("IteratorAge", "Milliseconds"))
        }
        for (prometheus, emf) in sources.counted.map({ ($0.prometheus, $0.emf) }) {
            let total = byName[prometheus]?.series.reduce(0) { $0 + $1.value.doubleValue } ?? 0  // counters are finite
            let previous = previousTotals[prometheus] ?? 0
            // A smaller total means series were destroyed or reset: count from zero again.
            streamValues[emf] = total >= previous ? total - previous : total
            previousTotals[prometheus] = total
            units.append((emf, "Count"))
        }

        var lines = [
            line(timestamp: timestamp, dimensions: [("StreamName", streamName)], values: streamValues, units: units)
        ]
        for (shard, age) in shardAges {
            lines.append(
                line(
                    timestamp: timestamp, dimensions: [("StreamName", streamName), ("ShardId", shard)],
                    values: ["IteratorAge": age], units: [("IteratorAge", "Milliseconds")]))
        }
        return lines
    }

    private func line(
        timestamp: Int64, dimensions: [(String, String)], values: [String: Double], units: [(String, String)]
    ) -> String {
        var document: [String: Any] = [:]
        for (key, value) in dimensions { document[key] = value }
        for (key, value) in values {
            document[key] =
                value == value.rounded() && abs(value) < 1e15 ? NSNumber(value: Int64(value)) : NSNumber(value: value)
        }
        document["_aws"] =
            [
                "Timestamp": NSNumber(value: timestamp),
                "CloudWatchMetrics": [
                    [
                        "Namespace": Self.namespace,
                        "Dimensions": [dimensions.map(\.0)],
                        "Metrics": units.map { ["Name": $0.0, "Unit": $0.1] },
                    ] as [String: Any]
                ],
            ] as [String: Any]
        // Only strings and finite numbers go in, so serialization cannot fail.
        let data =
            (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Appends the lines with one write, so the agent never sees half a line from us.
    private func append(_ lines: [String]) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw ObservabilityError.system("open", path) }
        defer { close(fd) }
        let bytes = Array(lines.map { $0 + "\n" }.joined().utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw ObservabilityError.system("write", path)
            }
            offset += written
        }
    }
}
