import Metrics
import Observability
import Testing
import ZaeLimiter

@testable import ZaelAggregator

/// The status socket's per-duty rows, read from the counters the duties write.
@Suite struct DutyTotalsTests {
    private func count(_ name: String, _ dimensions: [(String, String)], by amount: Int64, in factory: MetricsFactory) {
        Counter(label: name, dimensions: dimensions, factory: factory).increment(by: amount)
    }

    @Test func rowsAreReadFromTheDutyCounters_perDutyAndReason() throws {
        typealias Names = MaintenanceMetricNames
        let factory = PrometheusMetricsFactory()
        let refill = [(Names.dutyLabel, BucketRefillDuty.dutyName)]
        let doubling = [(Names.dutyLabel, ProactiveShardDuty.dutyName)]
        let propagation = [(Names.dutyLabel, ShardCountPropagationDuty.dutyName)]
        count(Names.writes, refill, by: 41, in: factory)
        count(Names.conditionFailures, refill, by: 5, in: factory)
        count(Names.errors, refill, by: 2, in: factory)
        count(Names.skips, refill + [(Names.reasonLabel, "window_ended")], by: 3, in: factory)
        count(Names.skips, refill + [(Names.reasonLabel, "schedule_error")], by: 1, in: factory)
        count(Names.writes, doubling, by: 1, in: factory)
        count(Names.conditionFailures, doubling, by: 7, in: factory)
        count(Names.writes, propagation, by: 3, in: factory)
        typealias Audit = AuditArchivalMetricNames
        count(Audit.eventsArchived, [], by: 12, in: factory)
        count(Audit.objectsWritten, [], by: 2, in: factory)
        count(Audit.errors, [(Audit.classLabel, "throttling")], by: 1, in: factory)
        count(Audit.errors, [(Audit.classLabel, "transient")], by: 2, in: factory)
        count(Audit.skippedEvents, [(Audit.reasonLabel, "no_action")], by: 4, in: factory)
        // Other families add nothing to a duty.
        Counter(label: AggregatorMetricNames.snapshotWrites, factory: factory).increment(by: 99)

        let rows = DutyTotals(factory.snapshot()).statuses { $0 != ShardCountPropagationDuty.dutyName }
        #expect(rows.map(\.duty) == ["refill", "proactive_shard", "shard_count_propagation", "audit_archival"])
        #expect(
            rows[0]
                == DutyStatus(
                    duty: "refill", enabled: true, written: 41, skippedByCondition: 5, errors: 2,
                    skipped: ["window_ended": 3, "schedule_error": 1]))
        #expect(rows[1] == DutyStatus(duty: "proactive_shard", enabled: true, written: 1, skippedByCondition: 7))
        #expect(rows[2] == DutyStatus(duty: "shard_count_propagation", enabled: false, written: 3))
        #expect(
            rows[3]
                == DutyStatus(duty: "audit_archival", enabled: true, written: 12, errors: 3, skipped: ["no_action": 4]))
    }

    @Test func everyKnownDutyHasARowBeforeItCountedAnything_andUnknownDutiesFollowByName() {
        let factory = PrometheusMetricsFactory()
        let empty = DutyTotals(factory.snapshot()).statuses { _ in true }
        #expect(empty == DutyTotals.order.map { DutyStatus(duty: $0, enabled: true) })

        for name in ["zz_new", "aa_new"] {
            count(MaintenanceMetricNames.writes, [(MaintenanceMetricNames.dutyLabel, name)], by: 1, in: factory)
        }
        let rows = DutyTotals(factory.snapshot()).statuses { _ in false }
        #expect(rows.map(\.duty) == DutyTotals.order + ["aa_new", "zz_new"])
        #expect(rows.last == DutyStatus(duty: "zz_new", enabled: false, written: 1))
    }

    @Test func enabledFollowsTheConfigurationInForce() {
        var configuration = AggregatorConfiguration(tableName: "rate-limits", context: testContext)
        configuration.duties.proactiveShard = false
        configuration.archival.bucket = "audit-archive"
        let rows = DaemonStatus.duties(DutyTotals([]), configuration: configuration)
        #expect(rows.map(\.enabled) == [true, false, true, true])
        configuration.duties.refill = false
        configuration.archival.bucket = nil
        #expect(
            DaemonStatus.duties(DutyTotals([]), configuration: configuration).map(\.enabled) == [
                false, false, true, false,
            ])
    }
}
