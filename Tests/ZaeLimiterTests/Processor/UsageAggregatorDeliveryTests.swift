import AWSCore
import AWSDynamoDB
import Logging
import StreamConsumer
import Testing

@testable import ZaeLimiter

@Suite struct UsageAggregatorDeliveryTests {
    @Test func atLeastOnce_updatesEachItemOnce_thenCheckpoints() throws {
        let h = AggregatorHarness(delivery: .atLeastOnce)
        var records = distinctEntityRecords(60)
        records += distinctEntityRecords(60, firstSequence: 200)
        try h.run(records, end: seq(400))
        #expect(h.db.transactCalls.isEmpty)
        #expect(h.db.updateCalls.count == 120)
        #expect(h.checkpointer.standalone == [seq(400)])
        #expect(h.db.items.values.allSatisfy { $0["total_events"] == .n("2") && $0["rpm"] == .n("2") })
    }

    @Test func atLeastOnce_failedWrite_doesNotCheckpoint() {
        let h = AggregatorHarness(delivery: .atLeastOnce)
        h.db.updateScript = [
            nil, AWSError(kind: .throttling, code: "ThrottlingException", message: "", operation: "UpdateItem"),
        ]
        #expect(throws: AWSError.self) { try h.run(distinctEntityRecords(3)) }
        #expect(h.checkpointer.standalone.isEmpty)
    }

    @Test func rejectedRecords_areReportedBeforeTheCheckpoint() throws {
        let h = AggregatorHarness()
        var records = distinctEntityRecords(2)
        records[0].newImage?["rf"] = .n("12.5")
        try h.run(records, end: seq(50))
        #expect(h.rejections.rejections.map(\.reason) == [.notAnInteger(attribute: "rf")])
        #expect(h.checkpointer.events == ["reject 10", "commit 50"])
        #expect(h.db.items.count == 2)
        #expect(h.aggregator.statistics.rejectedRecords == 1)
    }

    @Test func failingRejectionHandler_failsTheBatchWithoutWrites() {
        let h = AggregatorHarness()
        struct SpoolDown: Error {}
        h.rejections.failWith = SpoolDown()
        var records = distinctEntityRecords(2)
        records[1].newImage?["b_rpm_tc"] = .n("1.5")
        #expect(throws: SpoolDown.self) { try h.run(records) }
        #expect(h.db.transactCalls.isEmpty)
        #expect(h.checkpointer.lastCheckpoint == nil)
    }

    @Test func ttlIsNowPlusTtlDays() throws {
        let h = AggregatorHarness()
        try h.run(distinctEntityRecords(1))
        #expect(h.db.items.values.allSatisfy { $0["ttl"] == .n(String(1_000 + 90 * 86_400)) })
    }

    @Test func factory_givesEachLaneItsOwnClient() throws {
        final class Clients: @unchecked Sendable {
            // Touched only from this test's thread.
            var made: [String: FakeDynamoDB] = [:]
        }
        let clients = Clients()
        let factory = UsageAggregatorFactory(
            settings: UsageAggregationSettings(tableName: "limits"),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            makeClient: { shard, lane in
                let db = FakeDynamoDB()
                clients.made["\(shard)/\(lane)"] = db
                return db
            },
            makeRejectionHandler: { _, _ in nil })
        let processor = factory.makeProcessor(shardId: "s", lane: 1, laneCount: 2)
        let checkpointer = FakeCheckpointer()
        checkpointer.attach(to: clients.made["s/1"]!)
        let records = distinctEntityRecords(2)
        try processor.process(
            RecordBatch(
                streamArn: "a", shardId: "s", lane: 1, laneCount: 2, records: records,
                batchEnd: records.last!.sequenceNumber),
            checkpointer: checkpointer)
        #expect(clients.made.keys.sorted() == ["s/1"])
        #expect(clients.made["s/1"]?.items.count == 4)
        #expect(checkpointer.lastCheckpoint == records.last?.sequenceNumber)
    }

    @Test func sumOverflow_rejectsTheRecordThatOverflows_andKeepsTheRest() throws {
        // Each record adds ~1.7e35 tokens to the same items: the 1001st would pass Int128.max.
        var old = BucketImage()
        old.limits = ["rpm": (-70_000_000_000_000_000_000_000_000_000_000_000_000, 0)]
        var new = old
        new.limits = ["rpm": (99_999_999_999_999_999_999_999_999_999_999_999_999, 0)]
        var records = [distinctEntityRecords(1)[0]]
        records += (0..<1_001).map { modifyRecord(old: old.item, new: new.item, sequence: 100 + $0) }
        let h = AggregatorHarness()
        try h.run(records, end: seq(5_000))
        #expect(h.rejections.rejections.map(\.reason) == [.numberOutOfRange(attribute: "b_rpm_tc")])
        #expect(h.rejections.rejections.map(\.record.sequenceNumber) == [seq(1_100)])
        #expect(h.aggregator.statistics.rejectedRecords == 1)
        #expect(h.db.items.values.contains { $0["total_events"] == .n("1000") })
    }
}
