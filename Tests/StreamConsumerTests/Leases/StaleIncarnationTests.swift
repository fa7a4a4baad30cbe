import AWSCore
import AWSDynamoDB
import Foundation
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// Commits effects with the fenced checkpoint; `shutdownRequested` can be held at a gate, which
/// is where a lane count change pauses a consumer (after it computed the new lanes' floor).
final class GatedProcessor: RecordProcessor, @unchecked Sendable {
    let table: InMemoryLeaseTable
    let gate: Gate
    init(table: InMemoryLeaseTable, gate: Gate) {
        self.table = table
        self.gate = gate
    }

    func initialize(_ input: InitializationInput) throws {}
    func process(_ batch: RecordBatch, checkpointer: Checkpointer) throws {
        try table.commitEffects(
            of: batch.records, through: batch.batchEnd, fencedBy: checkpointer.fencedCheckpoint(to: batch.batchEnd),
            shardId: batch.shardId)
        checkpointer.committed(to: batch.batchEnd)
    }
    func leaseLost(_ input: LeaseLostInput) {}
    func shardEnded(_ input: ShardEndedInput) throws {}
    func shutdownRequested(_ input: ShutdownRequestedInput) throws { gate.pass() }
}

/// Holds callers while closed; counts who is waiting.
final class Gate: @unchecked Sendable {
    // `closed` and `waiting` are guarded by `condition`.
    private let condition = NSCondition()
    private var closed = false
    private var waiting = 0

    func close() { condition.withLock { closed = true } }
    func open() {
        condition.withLock {
            closed = false
            condition.broadcast()
        }
    }
    var hasWaiter: Bool { condition.withLock { waiting > 0 } }

    func pass() {
        condition.withLock {
            waiting += 1
            while closed { condition.wait() }
            waiting -= 1
        }
    }
}

struct GatedFactory: RecordProcessorFactory {
    let processor: GatedProcessor
    func makeProcessor(shardId: String, lane: Int, laneCount: Int) -> RecordProcessor { processor }
}

/// A worker that lost a shard and took it back is a new incarnation of its owner: what the
/// older consumer still writes must not count, although the owner name is the same.
@Suite(.serialized) struct StaleIncarnationTests {
    @Test func aConsumerStalledInALaneChange_cannotRewriteTheLeaseAfterItsWorkerRetookIt() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        var all = (0..<30).map { streams.put("s", key: "k\($0 % 5)", value: $0) }
        let table = InMemoryLeaseTable()
        let gate = Gate()
        let processor = GatedProcessor(table: table, gate: gate)
        let scheduler = makeScheduler(
            streams: streams, table: table, worker: "A", factory: GatedFactory(processor: processor),
            tunables: fastTunables(batchSize: 10))
        try scheduler.start()
        defer { scheduler.shutdown(timeout: .seconds(5)) }
        let oneLane = LaneKey(shardId: "s", lane: 0, laneCount: 1)
        #expect(eventually { table.lane(oneLane)?.checkpoint == all.last })

        // A switches to two lanes and stalls after computing the floor (its one lane, at r30).
        gate.close()
        try scheduler.update(fastTunables(batchSize: 10, parallelization: 2))
        #expect(eventually { gate.hasWaiter })

        // Meanwhile B takes the shard, applies ten more records and lets it go.
        let more = (30..<40).map { streams.put("s", key: "k\($0 % 5)", value: $0) }
        all += more
        guard case .taken(let taken)? = try table.lease("s").map({ try table.takeLease($0, owner: "B") }) else {
            Issue.record("B could not take the lease")
            return
        }
        let claim = taken.claimedAt ?? taken.counter
        #expect(try table.claimLane(oneLane, owner: "B", claim: claim) == .claimed(all[29]))
        var items: [TransactWriteItem] = more.map {
            .put(PutItemInput(tableName: "effects", item: ["id": .s($0.digits)]))
        }
        items.append(
            table.fencedLaneCheckpoint(
                oneLane, fence: LaneFence(owner: "B", claim: claim), previous: all[29], next: more.last!))
        try table.transact(items)
        guard case .taken(let mine) = try table.renewLease(taken, checkpoint: nil) else {
            Issue.record("B lost the lease it just took")
            return
        }
        _ = try table.releaseLease(mine, checkpoint: .sequence(more.last!))

        // A takes the shard back while its stalled consumer still runs; then the stall ends.
        #expect(eventually { table.lease("s")?.owner == "A" })
        gate.open()

        // Whoever continues must start from B's checkpoint: nothing is applied twice.
        let twoLanes = (0..<2).map { LaneKey(shardId: "s", lane: $0, laneCount: 2) }
        let settled = eventually {
            let lease = table.lease("s")
            return lease?.laneCount == 2 && lease?.previousLaneCount == nil
                && twoLanes.allSatisfy { table.lane($0)?.checkpoint == more.last }
        }
        #expect(settled, "the shard settled on two lanes at the last record")
        #expect(Set(table.allEffects.keys) == Set(all.map(\.digits)))
        let twice = table.allEffects.filter { $0.value != 1 }.keys.sorted()
        #expect(twice.isEmpty, "applied more than once: \(twice)")
    }
}
