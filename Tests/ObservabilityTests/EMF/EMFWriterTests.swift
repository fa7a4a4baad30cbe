import CoreMetrics
import Foundation
import Logging
import Testing

@testable import Observability

@Suite struct EMFWriterTests {
    /// The daemon's sources (its metric catalogue builds the same), spelled here because
    /// Observability knows no metric names.
    static let sources = EMFMetricSources(
        iteratorAge: "zael_iterator_age_seconds", shardLabel: "shard",
        counted: [
            .init(prometheus: "zael_records_processed_total", emf: "RecordsProcessed"),
            .init(prometheus: "zael_batches_total", emf: "Batches"),
            .init(prometheus: "zael_snapshot_writes_total", emf: "SnapshotWrites"),
            .init(prometheus: "zael_errors_total", emf: "Errors"),
            .init(prometheus: "zael_throttles_total", emf: "Throttles"),
            .init(prometheus: "zael_retries_total", emf: "Retries"),
            .init(prometheus: "zael_spooled_records_total", emf: "SpooledRecords"),
        ])

    private let logger = Logger(label: "test.emf")

    private func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("emf-\(UUID().uuidString).log").path
    }

    private func readLines(_ path: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        #expect(!text.contains("true") && !text.contains("false"))
        return try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    /// Checks one document against the EMF specification's rules: `_aws.Timestamp` integer
    /// milliseconds; `CloudWatchMetrics` directives with a namespace, dimension sets of 1–30
    /// top-level string members and metric definitions (≤100) naming top-level numbers with a
    /// valid unit.
    private func validateEMF(_ document: [String: Any]) -> [String] {
        var problems: [String] = []
        guard let aws = document["_aws"] as? [String: Any] else { return ["no _aws object"] }
        if let stamp = aws["Timestamp"] as? NSNumber, stamp.stringValue.allSatisfy(\.isNumber) {
        } else {
            problems.append("Timestamp not an integer")
        }
        guard let directives = aws["CloudWatchMetrics"] as? [[String: Any]], !directives.isEmpty else {
            return problems + ["no CloudWatchMetrics directives"]
        }
        let units: Set<String> = [
            "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
            "Bits",
            "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second",
            "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
            "Megabits/Second",
            "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
        ]
        for directive in directives {
            guard let namespace = directive["Namespace"] as? String, !namespace.isEmpty, namespace.utf8.count <= 255
            else {
                problems.append("bad Namespace")
                continue
            }
            let dimensionSets = directive["Dimensions"] as? [[String]] ?? []
            if dimensionSets.isEmpty { problems.append("no Dimensions") }
            for set in dimensionSets {
                if set.isEmpty || set.count > 30 { problems.append("dimension set size \(set.count)") }
                for name in set where !(document[name] is String) {
                    problems.append("dimension \(name) is not a top-level string")
                }
            }
            let metrics = directive["Metrics"] as? [[String: Any]] ?? []
            if metrics.isEmpty || metrics.count > 100 { problems.append("metrics count \(metrics.count)") }
            for metric in metrics {
                guard let name = metric["Name"] as? String, !name.isEmpty else {
                    problems.append("metric without Name")
                    continue
                }
                if let unit = metric["Unit"] as? String, !units.contains(unit) { problems.append("unit \(unit)") }
                // (Foundation on Linux bridges 0 and 1 to Bool too, so booleans are ruled out on the raw text.)
                guard let value = document[name] as? NSNumber, value.doubleValue.isFinite else {
                    problems.append("metric \(name) has no numeric top-level value")
                    continue
                }
            }
        }
        return problems
    }

    private func dimensionSets(_ document: [String: Any]) -> [[String]] {
        let aws = document["_aws"] as? [String: Any]
        let directive = (aws?["CloudWatchMetrics"] as? [[String: Any]])?.first
        return directive?["Dimensions"] as? [[String]] ?? []
    }

    @Test func flush_writesValidEMF_withIteratorAgeInMillisecondsAndCountDeltas() throws {
        let factory = PrometheusMetricsFactory()
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let clock = Date(timeIntervalSince1970: 1_767_225_600.123)
        let writer = EMFWriter(
            path: path, streamName: "rate-limits", metrics: factory, sources: Self.sources, logger: logger,
            now: { clock })

        Gauge(label: "zael_iterator_age_seconds", dimensions: [("shard", "shardId-A")], factory: factory).record(1.5)
        Gauge(label: "zael_iterator_age_seconds", dimensions: [("shard", "shardId-B")], factory: factory).record(42.25)
        let records = Counter(label: "zael_records_processed_total", factory: factory)
        records.increment(by: 100)
        Counter(label: "zael_errors_total", dimensions: [("class", "transient")], factory: factory).increment(by: 2)
        Counter(label: "zael_errors_total", dimensions: [("class", "fatal")], factory: factory).increment(by: 1)
        Counter(label: "zael_throttles_total", dimensions: [("api", "GetRecords")], factory: factory).increment(by: 4)

        let first = try writer.flush()
        #expect(first.count == 3)
        records.increment(by: 25)
        try writer.flush()

        let documents = try readLines(path)
        #expect(documents.count == 6)
        for document in documents { #expect(validateEMF(document) == [], "\(document)") }

        let stream = documents[0]
        #expect(stream["StreamName"] as? String == "rate-limits")
        #expect(stream["ShardId"] == nil)
        #expect(dimensionSets(stream) == [["StreamName"]])
        #expect((stream["_aws"] as? [String: Any])?["Timestamp"] as? Int64 == 1_767_225_600_123)
        let directive = ((stream["_aws"] as? [String: Any])?["CloudWatchMetrics"] as? [[String: Any]])?.first
        #expect(directive?["Namespace"] as? String == "ZaelAggregator")
        let metricUnits = (directive?["Metrics"] as? [[String: String]])?.reduce(into: [String: String]()) {
            $0[$1["Name"]!] = $1["Unit"]
        }
        #expect(metricUnits?["IteratorAge"] == "Milliseconds")
        #expect(metricUnits?["RecordsProcessed"] == "Count")
        #expect(stream["IteratorAge"] as? Double == 42250)  // the highest shard age
        #expect(stream["RecordsProcessed"] as? Double == 100)
        #expect(stream["Errors"] as? Double == 3)
        #expect(stream["Throttles"] as? Double == 4)
        #expect(stream["Retries"] as? Double == 0)
        #expect(stream["SpooledRecords"] as? Double == 0)
        #expect(metricUnits?["SpooledRecords"] == "Count")

        let shards = documents[1...2].sorted { ($0["ShardId"] as? String ?? "") < ($1["ShardId"] as? String ?? "") }
        #expect(shards.map { $0["ShardId"] as? String } == ["shardId-A", "shardId-B"])
        #expect(shards.map { $0["IteratorAge"] as? Double } == [1500, 42250])
        #expect(shards.map(dimensionSets) == [[["StreamName", "ShardId"]], [["StreamName", "ShardId"]]])

        // The second flush carries only what happened since the first.
        #expect(documents[3]["RecordsProcessed"] as? Double == 25)
        #expect(documents[3]["Errors"] as? Double == 0)
    }

    @Test func destroyedShardGauge_stopsBeingReported_andResetCountsFromZero() throws {
        let factory = PrometheusMetricsFactory()
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = EMFWriter(path: path, streamName: "s", metrics: factory, sources: Self.sources, logger: logger)
        let age = Gauge(label: "zael_iterator_age_seconds", dimensions: [("shard", "shardId-A")], factory: factory)
        age.record(1)
        let batches = Counter(label: "zael_batches_total", factory: factory)
        batches.increment(by: 10)
        #expect(try writer.flush().count == 2)
        age.destroy()
        batches.reset()
        batches.increment(by: 3)
        let lines = try writer.flush()
        #expect(lines.count == 1)
        let stream = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(stream["IteratorAge"] == nil)
        #expect(stream["Batches"] as? Double == 3)
        #expect(validateEMF(stream) == [])
    }

    @Test func nonFiniteAge_isSkipped_notWrittenAsInvalidJSON() throws {
        let factory = PrometheusMetricsFactory()
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        Gauge(label: "zael_iterator_age_seconds", dimensions: [("shard", "x")], factory: factory).record(Double.nan)
        let writer = EMFWriter(path: path, streamName: "s", metrics: factory, sources: Self.sources, logger: logger)
        let lines = try writer.flush()
        #expect(lines.count == 1)
        #expect(try readLines(path).allSatisfy { validateEMF($0) == [] })
    }

    @Test func periodicFlush_appendsUntilStopped() throws {
        let factory = PrometheusMetricsFactory()
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = EMFWriter(path: path, streamName: "s", metrics: factory, sources: Self.sources, logger: logger)
        writer.start(interval: .milliseconds(20))
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, ((try? readLines(path))?.count ?? 0) < 3 { usleep(10_000) }
        writer.stop()
        let count = try readLines(path).count
        #expect(count >= 3)
        usleep(100_000)
        #expect(try readLines(path).count == count)  // nothing after stop()
    }

    @Test func unwritableFile_throwsFromFlush() {
        let writer = EMFWriter(
            path: "/nonexistent-dir/emf.log", streamName: "s", metrics: PrometheusMetricsFactory(),
            sources: Self.sources,
            logger: logger)
        #expect(throws: ObservabilityError.self) { try writer.flush() }
    }

    @Test func customSources_readMetricsRegisteredUnderOtherNames() throws {
        let factory = PrometheusMetricsFactory()
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        Gauge(label: "zael_consumer_iterator_age_seconds", dimensions: [("shard", "s1")], factory: factory).record(2)
        Counter(label: "zael_consumer_records_processed_total", factory: factory).increment(by: 7)
        Counter(label: "zael_records_processed_total", factory: factory).increment(by: 1000)  // not a source here
        let sources = EMFMetricSources(
            iteratorAge: "zael_consumer_iterator_age_seconds", shardLabel: "shard",
            counted: [.init(prometheus: "zael_consumer_records_processed_total", emf: "RecordsProcessed")])
        let writer = EMFWriter(path: path, streamName: "s", metrics: factory, sources: sources, logger: logger)
        let lines = try writer.flush()
        let documents = try readLines(path)
        #expect(lines.count == 2)
        #expect(documents.allSatisfy { validateEMF($0).isEmpty })
        #expect(documents[0]["RecordsProcessed"] as? Double == 7)
        #expect(documents[0]["IteratorAge"] as? Double == 2000)
        #expect(documents[0]["Errors"] == nil)
        #expect(documents[1]["ShardId"] as? String == "s1")
    }
}
