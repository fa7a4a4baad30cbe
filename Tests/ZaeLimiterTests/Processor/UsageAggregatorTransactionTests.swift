import AWSCore
import AWSDynamoDB
import StreamConsumer
import Testing

@testable import ZaeLimiter

@Suite struct UsageAggregatorTransactionTests {
    @Test func skewedBatch_isOneTransactionWithTheCheckpointLast() throws {
        let h = AggregatorHarness()
        var b = BucketImage()
        b.limits = ["rpm": (0, 100_000), "tpm": (0, 100_000)]
        var records: [StreamRecord] = []
        for i in 0..<100 {
            let (record, after) = consumption(b, ["rpm": 1_000, "tpm": 7_000], rf: b.rf + Int128(i), sequence: 100 + i)
            records.append(record)
            b = after
        }
        try h.run(records, end: seq(500))
        #expect(h.db.transactCalls.count == 1)
        let actions = h.db.transactCalls[0].items
        #expect(actions.count == 3)  // hourly item, daily item, checkpoint
        guard case .update(let last) = actions.last else {
            Issue.record("no checkpoint")
            return
        }
        #expect(last.tableName == "leases")
        #expect(h.checkpointer.commits == [seq(500)])
        let hourly = h.db.items.values.first { $0["window"] == .s("hourly") }
        #expect(hourly?["rpm"] == .n("100"))
        #expect(hourly?["tpm"] == .n("700"))
        #expect(hourly?["total_events"] == .n("200"))
        #expect(h.aggregator.statistics.writeRequests == 1)
        #expect(h.aggregator.statistics.snapshotWrites == 2)
    }

    @Test func largeBatch_isCutAtRecordBoundaries_withAtMost100Actions() throws {
        let h = AggregatorHarness()
        let records = distinctEntityRecords(150)  // 2 items each (hourly + daily)
        try h.run(records, end: seq(9_999))
        let calls = h.db.transactCalls
        #expect(calls.count == 4)
        #expect(calls.allSatisfy { $0.items.count <= 100 })
        // 49 records (98 items) fit per chunk; each chunk checkpoints to its last record.
        #expect(h.checkpointer.commits == [seq(58), seq(107), seq(156), seq(9_999)])
        #expect(calls.map { $0.items.count } == [99, 99, 99, 7])
        #expect(h.db.items.count == 300)
    }

    @Test func manyLimits_stayOneItemPerWindow() throws {
        let h = AggregatorHarness(start: seq(1))
        var b = BucketImage()
        var amounts: [String: Int128] = [:]
        for i in 0..<120 {
            b.limits["l\(i)"] = (0, 100_000)
            amounts["l\(i)"] = 1_000
        }
        let (record, _) = consumption(b, amounts, sequence: 5)
        try h.run([record], end: seq(5))
        #expect(h.db.transactCalls.map { $0.items.count } == [3])
        #expect(h.db.items.values.allSatisfy { $0["l119"] == .n("1") && $0["total_events"] == .n("120") })
    }

    @Test func smallChunks_stillKeepEachRecordWhole() throws {
        let h = AggregatorHarness(start: seq(1), maxActions: 2)
        let records = distinctEntityRecords(3, firstSequence: 5)
        try h.run(records, end: seq(9))
        // One item per chunk is too few for two windows: raised to two, one record each.
        #expect(h.db.transactCalls.map { $0.items.count } == [3, 3, 3])
        #expect(h.checkpointer.commits == [seq(5), seq(6), seq(9)])
        #expect(h.db.items.count == 6)
        #expect(UsageAggregationSettings(tableName: "t", maxTransactionActions: 2).problems().count == 1)
        #expect(UsageAggregationSettings(tableName: "t").problems().isEmpty)
    }

    @Test func fenceFailure_throwsLeaseLost_andWritesNothing() {
        let h = AggregatorHarness(start: seq(3))
        h.checkpointer.leaseHeld = false
        #expect(throws: LeaseLostError.self) { try h.run(distinctEntityRecords(3)) }
        #expect(h.db.items.isEmpty)
        #expect(h.checkpointer.commits.isEmpty)
    }

    @Test func transactionConflict_isRetriedWithBackoff() throws {
        let h = AggregatorHarness()
        let conflict = AWSError(
            kind: .conditional, code: "TransactionCanceledException", message: "", operation: "TransactWriteItems",
            cancellationReasons: ["TransactionConflict", "None", "None"])
        h.db.transactScript = [
            conflict,
            AWSError(
                kind: .conditional, code: "TransactionConflictException", message: "", operation: "TransactWriteItems"),
            nil,
        ]
        try h.run(distinctEntityRecords(1), end: seq(20))
        #expect(h.db.transactCalls.count == 3)
        #expect(h.sleeps.durations.count == 2)
        #expect(h.checkpointer.commits == [seq(20)])
        #expect(h.db.items.count == 2)
        #expect(Set(h.db.transactCalls.map { $0.clientRequestToken }).count == 3)
    }

    @Test func endlessConflicts_areThrownAfterTheRetries() {
        let h = AggregatorHarness(conflictRetries: 2)
        let conflict = AWSError(
            kind: .conditional, code: "TransactionConflictException", message: "", operation: "TransactWriteItems")
        h.db.transactScript = [conflict, conflict, conflict, conflict]
        let thrown = #expect(throws: AWSError.self) { try h.run(distinctEntityRecords(1)) }
        #expect(h.db.transactCalls.count == 3)
        #expect(h.checkpointer.commits.isEmpty)
        // The engine waits conflicts out like throttling: never retries exhausted, never spooled.
        #expect(thrown.map { FailureClass.of($0) } == .weather(code: "TransactionConflictException"))
    }

    @Test func otherFailure_isThrown_afterEarlierChunksCommitted() {
        let h = AggregatorHarness()
        h.db.transactScript = [
            nil, AWSError(kind: .transient, code: "InternalServerError", message: "", operation: "TransactWriteItems"),
        ]
        #expect(throws: AWSError.self) { try h.run(distinctEntityRecords(100), end: seq(999)) }
        #expect(h.checkpointer.commits == [seq(58)])
        #expect(h.db.items.count == 98)
        #expect(h.sleeps.durations.isEmpty)
    }

    @Test func cancellationForAnotherReason_isNotLeaseLost() {
        let h = AggregatorHarness()
        h.db.transactScript = [
            AWSError(
                kind: .conditional, code: "TransactionCanceledException", message: "", operation: "TransactWriteItems",
                cancellationReasons: ["ValidationError", "None", "None"])
        ]
        #expect(throws: AWSError.self) { try h.run(distinctEntityRecords(1)) }
    }

    @Test func batchWithoutDeltas_checkpointsAlone() throws {
        let h = AggregatorHarness(start: seq(1))
        let b = BucketImage()
        let noop = modifyRecord(old: b.item, new: b.item, sequence: 7)
        try h.run([noop], end: seq(9))
        #expect(h.db.transactCalls.isEmpty)
        #expect(h.checkpointer.standalone == [seq(9)])
        try h.run([noop], end: seq(9))
        #expect(h.checkpointer.standalone == [seq(9)])
    }
}
