import AWSCore
import AWSDynamoDB
import Logging
import MetricsTestKit
import Testing

@testable import ZaeLimiter

/// How the refill and proactive shard duties treat outcomes the golden vectors do not decide:
/// lost conditions, errors, switches, unreadable items and the old key layout.
@Suite struct BucketMaintenanceDutyTests {
    static let now: Int64 = 1_780_000_000_000
    // Injected into the duties, never bootstrapped globally.
    let metrics = TestMetrics()
    let logger = Logger(label: "duty-tests") { _ in SwiftLogNoOpLogHandler() }

    /// One MODIFY of a bucket refilled 50 ms ago whose `rpm` limit is drained (a refill is due:
    /// it consumed more than the projection in this record) and whose `wcu` balance, projected
    /// to now, is 15 % (a doubling is due).
    func record(pk: String = "ns1/BUCKET#user-1#gpt-4#0", sk: String = "#STATE", extra: Item = [:]) -> StreamRecord {
        var new: Item = [
            "PK": .s(pk), "SK": .s(sk), "entity_id": .s("user-1"), "rf": .n(String(Self.now - 50)),
            "b_rpm_tk": .n("0"), "b_rpm_cp": .n("100000000"), "b_rpm_ra": .n("100000000"), "b_rpm_rp": .n("60000"),
            "b_rpm_tc": .n("900000000"), "b_wcu_tk": .n("100000"), "b_wcu_cp": .n("1000000"),
            "b_wcu_ra": .n("1000000"), "b_wcu_rp": .n("1000"), "b_wcu_tc": .n("5000"),
        ]
        var old = new
        old["b_rpm_tc"] = .n("500000000")
        old["b_wcu_tc"] = .n("4000")
        for (name, value) in extra { new[name] = value }
        return modifyRecord(old: old, new: new, sequence: 1)
    }

    func duties(_ table: RecordingMaintenanceTable, refill: Bool = true, shard: Bool = true) -> [BatchDuty] {
        let cache = BucketStateCache()
        return [
            SwitchedDuty(
                BucketRefillDuty(client: table, tableName: "t", cache: cache, logger: logger, metricsFactory: metrics),
                isEnabled: { refill }),
            SwitchedDuty(
                ProactiveShardDuty(
                    client: table, tableName: "t", cache: cache, logger: logger, metricsFactory: metrics),
                isEnabled: { shard }),
        ]
    }

    func perform(_ duties: [BatchDuty], _ records: [StreamRecord]) throws {
        let batch = DutyBatch(records: records, shardId: "s", lane: 0, attempt: 1, nowMilliseconds: Self.now)
        for duty in duties { try duty.perform(batch) }
    }

    func count(_ label: String, _ duty: String, reason: String? = nil) -> Int64 {
        var dimensions = [("duty", duty)]
        if let reason { dimensions.append(("reason", reason)) }
        // A counter the duties never made has counted nothing.
        return (try? metrics.expectCounter(label, dimensions))?.totalValue ?? 0
    }

    @Test func writesLandAndAreCounted() throws {
        let table = RecordingMaintenanceTable()
        try perform(duties(table), [record()])
        try #require(table.requests.count == 2)
        #expect(table.requests[0].contains("\"UpdateExpression\":\"SET rf = :new_rf ADD #rt0 :rd0"))
        #expect(table.requests[1].contains("\"UpdateExpression\":\"SET shard_count = :new\""))
        #expect(count(MaintenanceMetricNames.writes, "refill") == 1)
        #expect(count(MaintenanceMetricNames.writes, "proactive_shard") == 1)
    }

    @Test func aLostConditionIsCountedAndSkipped() throws {
        let table = RecordingMaintenanceTable(failing: [0, 1])
        try perform(duties(table), [record()])
        #expect(table.requests.count == 2)
        #expect(count(MaintenanceMetricNames.conditionFailures, "refill") == 1)
        #expect(count(MaintenanceMetricNames.conditionFailures, "proactive_shard") == 1)
        #expect(count(MaintenanceMetricNames.writes, "refill") == 0)
    }

    @Test func otherErrorsGoToTheEngine() throws {
        let table = RecordingMaintenanceTable()
        table.error = AWSError(kind: .throttling, code: "ThrottlingException", message: "slow", operation: "UpdateItem")
        #expect(throws: AWSError.self) { try perform(duties(table), [record()]) }
        #expect(count(MaintenanceMetricNames.errors, "refill") == 1)
    }

    @Test func switchedOffDutiesSendNothing() throws {
        let table = RecordingMaintenanceTable()
        try perform(duties(table, refill: false, shard: false), [record()])
        #expect(table.requests.isEmpty)
        let onlyShard = RecordingMaintenanceTable()
        try perform(duties(onlyShard, refill: false), [record()])
        #expect(onlyShard.requests.count == 1)
    }

    @Test func anUndecodableScheduleSkipsTheRefillWithAReason() throws {
        let table = RecordingMaintenanceTable()
        try perform(duties(table), [record(extra: ["sched": .s("2m0h0s500")])])
        // The doubling reads no schedule, as in the reference.
        #expect(table.requests.count == 1)
        #expect(count(MaintenanceMetricNames.skips, "refill", reason: "schedule_error") == 1)
    }

    @Test func aNonIntegerNumberSkipsTheRecord() throws {
        let table = RecordingMaintenanceTable()
        try perform(duties(table), [record(extra: ["b_rpm_tk": .n("1.5")])])
        #expect(table.requests.isEmpty)
        #expect(count(MaintenanceMetricNames.skips, "refill", reason: "malformed_record") == 1)
    }

    @Test func onlyNewLayoutStateItemsAreMaintained() throws {
        let table = RecordingMaintenanceTable()
        try perform(
            duties(table),
            [
                record(pk: "ns1/ENTITY#user-1", sk: "#BUCKET#gpt-4"),
                record(pk: "ns1/BUCKET#user-1#gpt-4#0", sk: "#OTHER"),
            ])
        #expect(table.requests.isEmpty)
    }

    @Test func theDoublingStopsAt32() throws {
        let table = RecordingMaintenanceTable()
        try perform(duties(table, refill: false), [record(extra: ["shard_count": .n("20")])])
        try #require(table.requests.count == 1)
        #expect(table.requests[0].contains("\":new\":{\"N\":\"32\"}"))
        let full = RecordingMaintenanceTable()
        try perform(duties(full, refill: false), [record(extra: ["shard_count": .n("32")])])
        #expect(full.requests.isEmpty)
    }

    @Test func theFloatThresholdIsDecidedAsPythonDoes() {
        // 0.2 exactly and the quotients around the double nearest 0.2.
        #expect(!ProactiveShardPlanner.ratioBelowThreshold(tokens: 200_000, capacity: 1_000_000))
        #expect(ProactiveShardPlanner.ratioBelowThreshold(tokens: 199_999, capacity: 1_000_000))
        let capacity: Int128 = 1 << 56
        #expect(!ProactiveShardPlanner.ratioBelowThreshold(tokens: 14_411_518_807_585_587, capacity: capacity))
        #expect(ProactiveShardPlanner.ratioBelowThreshold(tokens: 14_411_518_807_585_586, capacity: capacity))
    }
}
