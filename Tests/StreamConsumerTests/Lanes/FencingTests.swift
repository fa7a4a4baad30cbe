import AWSCore
import AWSDynamoDB
import Foundation
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// Commits its transaction, then reports a timeout on every first call: the reply was lost.
final class LostReplyProcessor: RecordProcessor, @unchecked Sendable {
    // `calls` is guarded by `lock`.
    let table: InMemoryLeaseTable
    private let lock = NSLock()
    private var calls = 0
    private(set) var leaseLostCalls = 0
    init(table: InMemoryLeaseTable) { self.table = table }

    func initialize(_ input: InitializationInput) throws {}
    func process(_ batch: RecordBatch, checkpointer: Checkpointer) throws {
        try table.commitEffects(
            of: batch.records, through: batch.batchEnd, fencedBy: checkpointer.fencedCheckpoint(to: batch.batchEnd),
            shardId: batch.shardId)
        let first = lock.withLock { () -> Bool in
            calls += 1
            return batch.attempt == 1
        }
        if first {
            throw AWSError(
                kind: .transient, code: "RequestTimeout", message: "reply lost", operation: "TransactWriteItems")
        }
        checkpointer.committed(to: batch.batchEnd)
    }
    func leaseLost(_ input: LeaseLostInput) { lock.withLock { leaseLostCalls += 1 } }
    func shardEnded(_ input: ShardEndedInput) throws {}
    func shutdownRequested(_ input: ShutdownRequestedInput) throws {}
}

struct LostReplyFactory: RecordProcessorFactory {
    let processor: LostReplyProcessor
    func makeProcessor(shardId: String, lane: Int, laneCount: Int) -> RecordProcessor { processor }
}

@Suite(.serialized) struct FencingTests {
    @Test func aLostCommitReply_isRecognisedByRereadingTheLane_notTakenForALostLease() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        let all = (0..<30).map { streams.put("s", key: "k\($0 % 3)", value: $0) }
        let table = InMemoryLeaseTable()
        let processor = LostReplyProcessor(table: table)
        let scheduler = makeScheduler(
            streams: streams, table: table, worker: "w", factory: LostReplyFactory(processor: processor),
            tunables: fastTunables(batchSize: 10))
        try scheduler.start()
        #expect(eventually { table.lane(LaneKey(shardId: "s", lane: 0, laneCount: 1))?.checkpoint == all.last })
        let owner = table.lease("s")?.owner
        scheduler.shutdown(timeout: .seconds(5))
        #expect(table.allEffects.count == all.count)
        #expect(table.allEffects.values.allSatisfy { $0 == 1 }, "the retry after a lost reply applied nothing twice")
        #expect(processor.leaseLostCalls == 0)
        #expect(owner == "w", "the lease was never given up")
    }

    @Test func anOlderConsumerOfTheSameWorker_isFencedOutByTheClaim() throws {
        let table = InMemoryLeaseTable()
        let key = LaneKey(shardId: "s", lane: 0, laneCount: 1)
        _ = try table.claimLane(key, owner: "w", claim: 1)
        let stop = StopLatch()
        let old = LaneCheckpointWriter(
            key: key, fence: LaneFence(owner: "w", claim: 1), store: table, checkpoint: nil, clock: ManualClock(),
            stop: stop)
        try old.checkpoint(to: SequenceNumber("5")!)
        // The same worker re-took the lease (a new consumer, a higher claim).
        #expect(try table.claimLane(key, owner: "w", claim: 2) == .claimed(SequenceNumber("5")))
        #expect(throws: LeaseLostError.self) { try old.checkpoint(to: SequenceNumber("9")!) }
        #expect(try old.recheck() == .lost)
        let new = LaneCheckpointWriter(
            key: key, fence: LaneFence(owner: "w", claim: 2), store: table, checkpoint: SequenceNumber("5"),
            clock: ManualClock(), stop: stop)
        try new.checkpoint(to: SequenceNumber("9")!)
        #expect(table.lane(key)?.checkpoint == SequenceNumber("9"))
    }

    @Test func recheckAdoptsACommittedCheckpoint_andReportsUnchangedOtherwise() throws {
        let table = InMemoryLeaseTable()
        let key = LaneKey(shardId: "s", lane: 0, laneCount: 1)
        _ = try table.claimLane(key, owner: "w", claim: 1)
        let checkpointer = LaneCheckpointWriter(
            key: key, fence: LaneFence(owner: "w", claim: 1), store: table, checkpoint: nil, clock: ManualClock(),
            stop: StopLatch())
        #expect(try checkpointer.recheck() == .unchanged)
        // A transaction committed, but its reply never arrived.
        try table.transact([checkpointer.fencedCheckpoint(to: SequenceNumber("7")!)])
        #expect(checkpointer.lastCheckpoint == nil)
        #expect(try checkpointer.recheck() == .adopted)
        #expect(checkpointer.lastCheckpoint == SequenceNumber("7"))
    }
}
