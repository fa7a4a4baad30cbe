import AWSCore
import Foundation
import Metrics
import Observability
import StreamConsumer
import TestPeers
import Testing
import ZaeLimiter

@testable import ZaelAggregator

/// The engine and the aggregator spell the daemon's metric names again (they do not depend on
/// Observability); these tests fail when a copy drifts from `MetricNames` or the docs.
@Suite struct MetricNamesTests {
    @Test func engineNamesAreTheDaemonsNames() {
        let pairs: [(String, String)] = [
            (ConsumerMetricNames.iteratorAge, MetricNames.iteratorAge),
            (ConsumerMetricNames.recordsProcessed, MetricNames.recordsProcessed),
            (ConsumerMetricNames.batches, MetricNames.batches),
            (ConsumerMetricNames.errors, MetricNames.errors),
            (ConsumerMetricNames.throttles, MetricNames.throttles),
            (ConsumerMetricNames.retries, MetricNames.retries),
            (ConsumerMetricNames.bisects, MetricNames.bisects),
            (ConsumerMetricNames.spooledRecords, MetricNames.spooledRecords),
            (ConsumerMetricNames.leasesOwned, MetricNames.leasesOwned),
            (ConsumerMetricNames.leasesUnconfirmed, MetricNames.leasesUnconfirmed),
            (ConsumerMetricNames.leasesTaken, MetricNames.leasesTaken),
            (ConsumerMetricNames.leasesStolen, MetricNames.leasesStolen),
            (ConsumerMetricNames.leasesLost, MetricNames.leasesLost),
            (ConsumerMetricNames.batchDuration, MetricNames.batchDuration),
            (ConsumerMetricNames.getRecordsLatency, MetricNames.getRecordsLatency),
            (ConsumerMetricNames.trimmedData, MetricNames.trimmedData),
            (ConsumerMetricNames.spoolBytes, MetricNames.spoolBytes),
            (ConsumerMetricNames.shardLabel, MetricNames.LabelKey.shard),
            (ConsumerMetricNames.classLabel, MetricNames.LabelKey.errorClass),
            (ConsumerMetricNames.apiLabel, MetricNames.LabelKey.api),
        ]
        for (engine, daemon) in pairs { #expect(engine == daemon) }
        // A name added to the engine must exist in MetricNames too.
        #expect(Set(ConsumerMetricNames.all).subtracting(MetricNames.all).isEmpty)
        #expect(ConsumerMetricNames.all.count == pairs.count - 3, "every engine name is compared above")
    }

    @Test func aggregatorNamesAreTheDaemonsNames() {
        let pairs: [(String, String)] = [
            (AggregatorMetricNames.snapshotWrites, MetricNames.snapshotWrites),
            (AggregatorMetricNames.consumedWriteCapacity, MetricNames.consumedWriteCapacity),
            (AggregatorMetricNames.writeRequests, MetricNames.writeRequests),
            (AggregatorMetricNames.transactions, MetricNames.transactions),
            (AggregatorMetricNames.transactionConflicts, MetricNames.transactionConflicts),
            (AggregatorMetricNames.rejectedRecords, MetricNames.rejectedRecords),
            (AggregatorMetricNames.reasonLabel, MetricNames.LabelKey.reason),
        ]
        for (aggregator, daemon) in pairs { #expect(aggregator == daemon) }
        #expect(Set(AggregatorMetricNames.all).subtracting(MetricNames.all).isEmpty)
        #expect(AggregatorMetricNames.all.count == pairs.count - 1, "every aggregator name is compared above")
    }

    @Test func auditArchivalNamesAreTheDaemonsNames() {
        let pairs: [(String, String)] = [
            (AuditArchivalMetricNames.eventsArchived, MetricNames.auditEventsArchived),
            (AuditArchivalMetricNames.objectsWritten, MetricNames.auditObjectsWritten),
            (AuditArchivalMetricNames.bytesWritten, MetricNames.auditBytesWritten),
            (AuditArchivalMetricNames.skippedEvents, MetricNames.auditEventsSkipped),
            (AuditArchivalMetricNames.errors, MetricNames.auditArchiveErrors),
            (AuditArchivalMetricNames.reasonLabel, MetricNames.LabelKey.reason),
            (AuditArchivalMetricNames.classLabel, MetricNames.LabelKey.errorClass),
        ]
        for (archival, daemon) in pairs { #expect(archival == daemon) }
        #expect(Set(AuditArchivalMetricNames.all).subtracting(MetricNames.all).isEmpty)
        #expect(AuditArchivalMetricNames.all.count == pairs.count - 2, "every archival name is compared above")
    }

    @Test func maintenanceNamesAreTheDaemonsNames() {
        let pairs: [(String, String)] = [
            (MaintenanceMetricNames.writes, MetricNames.dutyWrites),
            (MaintenanceMetricNames.conditionFailures, MetricNames.dutyConditionFailures),
            (MaintenanceMetricNames.errors, MetricNames.dutyErrors),
            (MaintenanceMetricNames.skips, MetricNames.dutySkips),
        ]
        for (duty, daemon) in pairs { #expect(duty == daemon) }
        #expect(Set(MaintenanceMetricNames.all).subtracting(MetricNames.all).isEmpty)
        #expect(MaintenanceMetricNames.all.count == pairs.count, "every duty name is compared above")
    }

    @Test func everyNameHasHelpAndIsInTheOperationsGuide() throws {
        let guide = try String(
            contentsOf: Peers.repoRoot.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        for name in MetricNames.all {
            #expect(MetricNames.help[name] != nil, "\(name) has no HELP")
            #expect(guide.contains("`\(name)`"), "\(name) is not in docs/operations.md")
        }
        #expect(Set(MetricNames.all).count == MetricNames.all.count)
        #expect(Set(MetricNames.help.keys) == Set(MetricNames.all))
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
        let throttles = families[MetricNames.throttles]?.series ?? []
        let byAPI = Dictionary(uniqueKeysWithValues: throttles.map { ($0.label("api") ?? "", $0.value.doubleValue) })
        #expect(byAPI == ["TransactWriteItems": 2, "GetRecords": 4], "GetRecords: 5 attempts, 4 retried")
        #expect(families[MetricNames.retries]?.series.first?.value.doubleValue == 7)
    }

    @Test func credentialRefreshesFollowTheProvidersCount() {
        let factory = PrometheusMetricsFactory()
        let counted = AWSCallMetrics(factory: factory)
        func total() -> Double? {
            factory.snapshot().first { $0.name == MetricNames.credentialRefreshes }?.series.first?.value.doubleValue
        }
        counted.syncCredentialRefreshes(refreshCount: 1)
        counted.syncCredentialRefreshes(refreshCount: 1)
        #expect(total() == 1)
        counted.syncCredentialRefreshes(refreshCount: 4)
        #expect(total() == 4)
    }
}
