import AWSCore
import Foundation
import Metrics
import Observability
import StreamConsumer
import TestPeers
import Testing
import ZaeLimiter

@testable import ZaelAggregator

/// The daemon's metric catalogue: what the libraries declare, joined; these tests fail when a
/// name is declared twice, lacks HELP, or drifts from the metric table of docs/operations.md.
@Suite struct MetricCatalogueTests {
    @Test func everyNameIsDeclaredOnceWithHelp() {
        let names = MetricCatalogue.all.map(\.name)
        #expect(Set(names).count == names.count, "a name is declared by two catalogues")
        for metric in MetricCatalogue.all {
            #expect(metric.name.hasPrefix("zael_"), "\(metric.name)")
            #expect(!metric.help.isEmpty, "\(metric.name) has no HELP")
            #expect(MetricCatalogue.help[metric.name] == metric.help)
            #expect((metric.kind == .counter) == metric.name.hasSuffix("_total"), "\(metric.name) is a \(metric.kind)")
        }
        #expect(MetricCatalogue.help.count == names.count)
    }

    @Test func theOperationsGuideTableMatchesTheCatalogue() throws {
        let guide = try String(
            contentsOf: Peers.repoRoot.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        // Rows: | `name`[, `name`…] | kind | `label`[, `label`…] | what it says |
        var documented: [String: (kind: String, labels: [String])] = [:]
        for line in guide.split(separator: "\n") where line.hasPrefix("| `zael_") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count > 4 else { continue }
            let labels = cells[3].split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            }.filter { !$0.isEmpty }
            for name in cells[1].split(separator: ",") {
                let name = name.trimmingCharacters(in: .whitespaces).trimmingCharacters(
                    in: CharacterSet(charactersIn: "`"))
                documented[name] = (cells[2], labels)
            }
        }
        for metric in MetricCatalogue.all {
            let row = documented[metric.name]
            #expect(row != nil, "\(metric.name) is not in the metric table of docs/operations.md")
            #expect(row?.kind == metric.kind.rawValue, "\(metric.name): kind")
            #expect(row?.labels == metric.labels, "\(metric.name): labels")
        }
        #expect(Set(documented.keys) == Set(MetricCatalogue.all.map(\.name)), "the table names no other metric")
    }

    @Test func theHelpLinesOfThePageComeFromTheCatalogue() {
        let factory = PrometheusMetricsFactory(help: MetricCatalogue.help)
        Counter(label: ConsumerMetricNames.recordsProcessed, factory: factory).increment()
        Counter(label: MaintenanceMetricNames.writes, dimensions: [("duty", "refill")], factory: factory).increment()
        let page = factory.render()
        #expect(page.contains("# HELP zael_records_processed_total Stream records processed.\n"))
        #expect(
            page.contains(
                "# HELP zael_duty_writes_total Conditional writes of the bucket maintenance duties, by duty.\n"))
    }

    @Test func emfReadsCatalogueNames() {
        let names = Set(MetricCatalogue.all.map(\.name))
        #expect(names.contains(MetricCatalogue.emfSources.iteratorAge))
        for counted in MetricCatalogue.emfSources.counted {
            #expect(names.contains(counted.prometheus), "\(counted.prometheus)")
        }
    }

    @Test func totalsAreReadFromTheCountersTheComponentsWrite() {
        let factory = PrometheusMetricsFactory()
        Counter(label: ConsumerMetricNames.recordsProcessed, factory: factory).increment(by: 57)
        Counter(label: ConsumerMetricNames.batches, factory: factory).increment(by: 4)
        Counter(label: AggregatorMetricNames.snapshotWrites, factory: factory).increment(by: 31)
        Counter(label: ConsumerMetricNames.errors, dimensions: [("class", "throttling")], factory: factory)
            .increment(by: 2)
        Counter(label: ConsumerMetricNames.errors, dimensions: [("class", "processor")], factory: factory)
            .increment(by: 3)
        Counter(label: ConsumerMetricNames.retries, factory: factory).increment(by: 6)
        // Neither a gauge nor a histogram adds to a total.
        Gauge(label: ConsumerMetricNames.leasesOwned, factory: factory).record(1)
        Timer(label: ConsumerMetricNames.batchDuration, factory: factory).recordSeconds(0.5)

        let totals = MetricTotals(factory.snapshot())
        #expect(totals.recordsProcessed == 57)
        #expect(totals.batches == 4)
        #expect(totals.snapshotWrites == 31)
        #expect(totals.errors == 5)
        #expect(totals.retries == 6)
        #expect(MetricTotals(PrometheusMetricsFactory().snapshot()) == MetricTotals([]))
    }

    @Test func retriesAndThrottlesOfTheClientsAreCountedPerAPI() throws {
        let factory = PrometheusMetricsFactory()
        let counted = AWSCallMetrics(factory: factory)
        var retrier = Retrier(policy: RetryPolicy(maxAttempts: 5), sleep: { _ in true })
        retrier.onRetry = { counted.retried($0) }
        var calls = 0
        let output = try retrier.run(operation: "TransactWriteItems") { _ -> Int in
            calls += 1
            if calls <= 2 {
                throw AWSError(
                    kind: .throttling, code: "ThrottlingException", message: "slow down",
                    operation: "TransactWriteItems")
            }
            if calls == 3 {
                throw AWSError(
                    kind: .transient, code: "InternalServerError", message: "", operation: "TransactWriteItems")
            }
            return calls
        }
        #expect(output == 4)
        _ = try? retrier.run(operation: "GetRecords") { _ -> Int in
            throw AWSError(kind: .throttling, code: "LimitExceededException", message: "", operation: "GetRecords")
        }

        let families = Dictionary(uniqueKeysWithValues: factory.snapshot().map { ($0.name, $0) })
        let throttles = families[ConsumerMetricNames.throttles]?.series ?? []
        let byAPI = Dictionary(uniqueKeysWithValues: throttles.map { ($0.label("api") ?? "", $0.value.doubleValue) })
        #expect(byAPI == ["TransactWriteItems": 2, "GetRecords": 4], "GetRecords: 5 attempts, 4 retried")
        #expect(families[ConsumerMetricNames.retries]?.series.first?.value.doubleValue == 7)
    }

    @Test func credentialRefreshesFollowTheProvidersCount() {
        let factory = PrometheusMetricsFactory()
        let counted = AWSCallMetrics(factory: factory)
        func total() -> Double? {
            factory.snapshot().first { $0.name == MetricCatalogue.credentialRefreshes }?.series.first?.value.doubleValue
        }
        counted.syncCredentialRefreshes(refreshCount: 1)
        counted.syncCredentialRefreshes(refreshCount: 1)
        #expect(total() == 1)
        counted.syncCredentialRefreshes(refreshCount: 4)
        #expect(total() == 4)
    }
}
