import AWSCore
import AWSDynamoDB
import Logging
import MetricsTestKit
import StreamConsumer
import Testing

@testable import ZaeLimiter

/// The duty over whole batches: MODIFY records only, in stream order, each on its own;
/// conditional outcomes counted as skips, service errors counted and thrown, unreadable
/// records counted and dropped without stopping the batch.
@Suite struct ShardCountPropagationDutyTests {
    /// The duty's counters are the maintenance duties' (labelled with its name).
    enum Names {
        static let writes = MaintenanceMetricNames.writes
        static let skipped = MaintenanceMetricNames.conditionFailures
        static let errors = MaintenanceMetricNames.errors
    }
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A MODIFY of shard 0 of `entity` (one dripping limit) from `old` to `new` shards.
    static func record(_ entity: String, _ old: String, _ new: String, event: StreamRecord.EventName = .modify)
        -> StreamRecord
    {
        let image: Item = [
            "PK": .s("ns/BUCKET#\(entity)#api#0"), "SK": .s("#STATE"), "shard_count": .n(new),
            "b_rpm_cp": .n("6000"), "b_rpm_ra": .n("6000"), "b_rpm_rp": .n("1000"), "b_rpm_tk": .n("10"),
            "b_rpm_tc": .n("5"),
        ]
        var oldImage = image
        oldImage["shard_count"] = .n(old)
        return StreamRecord(
            eventID: entity, eventName: event, keys: ["PK": image["PK"]!], newImage: image, oldImage: oldImage,
            sequenceNumber: SequenceNumber("1")!)
    }

    static func outcome(_ op: String, _ outcome: String, _ reasons: [String] = []) -> JSONValue {
        .object([
            ("op", .string(op)), ("outcome", .string(outcome)), ("reasons", .array(reasons.map { .string($0) })),
        ])
    }

    static func batch(_ records: [StreamRecord]) -> DutyBatch {
        DutyBatch(records: records, shardId: "s", lane: 0, attempt: 1, nowMilliseconds: 1_780_000_000_000)
    }

    @Test func batch_propagatesModifyRecordsInStreamOrder_andCountsSkips() throws {
        let table = ScriptedPropagationTable(script: [
            // a: 1 → 2, one clone.
            Self.outcome("TransactWriteItems", "ok"),
            // c: 2 → 4: shard 1 already raised, clone 2 exists already, clone 3 written.
            Self.outcome("UpdateItem", "ccf"),
            Self.outcome("TransactWriteItems", "canceled", ["ConditionalCheckFailed", "None"]),
            Self.outcome("TransactWriteItems", "ok"),
        ])
        let metrics = TestMetrics()
        let duty = ShardCountPropagationDuty(
            client: table, tableName: "t", logger: Self.logger, metricsFactory: metrics)
        try duty.perform(
            Self.batch([
                Self.record("a", "1", "2"), Self.record("b", "1", "2", event: .insert), Self.record("x", "2", "2"),
                Self.record("c", "2", "4"),
            ]))
        let keys = table.requests.map { request -> String in
            let body = request.body["TransactItems"]?.arrayValue?.first?["Put"]?["Item"] ?? request.body["Key"]
            return body?["PK"]?["S"]?.stringValue ?? "?"
        }
        #expect(
            keys == ["ns/BUCKET#a#api#1", "ns/BUCKET#c#api#1", "ns/BUCKET#c#api#2", "ns/BUCKET#c#api#3"])
        #expect(table.unusedResponses == 0)
        #expect(metrics.counterTotal(label: Names.writes) == 2)
        #expect(metrics.counterTotal(label: Names.skipped) == 2)
        #expect(metrics.counterTotal(label: Names.errors) == 0)
        // The clone of a dripping limit starts at its share of the new count, consumption at 0.
        let clone = table.requests[3].body["TransactItems"]?.arrayValue?.first?["Put"]?["Item"]
        #expect(clone?["b_rpm_tk"]?["N"]?.stringValue == "1500" && clone?["b_rpm_tc"]?["N"]?.stringValue == "0")
    }

    @Test func serviceError_isCountedAndThrownToTheEngine() throws {
        let table = ScriptedPropagationTable(script: [Self.outcome("TransactWriteItems", "InternalServerError")])
        let metrics = TestMetrics()
        let duty = ShardCountPropagationDuty(
            client: table, tableName: "t", logger: Self.logger, metricsFactory: metrics)
        #expect(throws: AWSError.self) { try duty.perform(Self.batch([Self.record("a", "1", "2")])) }
        #expect(metrics.counterTotal(label: Names.errors) == 1 && metrics.counterTotal(label: Names.writes) == 0)
    }

    @Test func unreadableRecord_isDroppedAndTheBatchGoesOn() throws {
        var bad = Self.record("a", "1", "2")
        bad.newImage?["b_rpm_cp"] = .n("1.5")
        let table = ScriptedPropagationTable(script: [Self.outcome("TransactWriteItems", "ok")])
        let metrics = TestMetrics()
        let duty = ShardCountPropagationDuty(
            client: table, tableName: "t", logger: Self.logger, metricsFactory: metrics)
        // A negative old count would have the reference write shards old..-1, unbounded.
        let negative = Self.record("n", "-9223372036854775807", "2")
        try duty.perform(Self.batch([bad, negative, Self.record("b", "1", "2")]))
        #expect(
            table.requests.count == 1 && metrics.counterTotal(label: Names.errors) == 2
                && metrics.counterTotal(label: Names.writes) == 1)
    }
}
