import AWSCore
import AWSDynamoDB
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// Several schedulers sharing one lease table.
@Suite(.serialized) struct ShardSchedulerLeaseTests {
    @Test func threeSchedulers_balance_failOverAfterCrash_andReleaseOnStop() throws {
        let streams = ScriptedStreams()
        for index in 0..<9 { streams.addShard("s\(index)") }
        var all: [SequenceNumber] = []
        func putRound(_ round: Int) {
            for index in 0..<9 { all.append(streams.put("s\(index)", key: "k\(index)-\(round % 3)", value: round)) }
        }
        for round in 0..<10 { putRound(round) }
        let table = InMemoryLeaseTable()
        let log = ProcessingLog()
        let factory = RecordingProcessorFactory(log: log, mode: .transactional(table))
        let workers = ["w1", "w2", "w3"].map {
            makeScheduler(streams: streams, table: table, worker: $0, factory: factory)
        }
        for worker in workers { try worker.start() }

        func owners() -> [String: Int] {
            var counts: [String: Int] = [:]
            for lease in table.allLeases { if let owner = lease.owner { counts[owner, default: 0] += 1 } }
            return counts
        }
        #expect(eventually { owners().values.sorted() == [3, 3, 3] }, "balanced: \(owners())")
        #expect(eventually { table.allEffects.count == all.count })

        // w1 dies: no release, no more renewals. Its shards move after the failover time.
        let before = ContinuousClock.now
        workers[0].simulateCrash()
        for round in 10..<20 { putRound(round) }
        #expect(eventually { owners()["w1"] == nil && owners().values.reduce(0, +) == 9 }, "\(owners())")
        let failover = ContinuousClock.now - before
        // Others judge expiry from the last renewal they saw (at most failover/3 before the
        // crash), so the leases move no sooner than 600 − 200 ms after it.
        #expect(failover >= .milliseconds(390), "expired only after the failover time")
        #expect(eventually { owners().values.max()! - owners().values.min()! <= 1 })
        #expect(eventually { table.allEffects.count == all.count })

        // w2 stops gracefully: its leases are released at once and w3 takes them well before
        // they would have expired.
        workers[1].shutdown(timeout: .seconds(5))
        #expect(owners()["w2"] == nil)
        for round in 20..<25 { putRound(round) }
        #expect(eventually { owners() == ["w3": 9] }, "\(owners())")
        #expect(eventually { table.allEffects.count == all.count })
        workers[2].shutdown(timeout: .seconds(5))
        // Exactly once across a crash, a failover and a handover.
        #expect(table.allEffects.values.allSatisfy { $0 == 1 })
        #expect(Set(table.allEffects.keys) == Set(all.map(\.digits)))
        #expect(workers[2].status.running == false)
    }

    @Test func aWorkerThatLostItsLeaseCannotCheckpoint() throws {
        let table = InMemoryLeaseTable()
        _ = try table.createLease(Lease(shardId: "s", checkpoint: .trimHorizon))
        let key = LaneKey(shardId: "s", lane: 0, laneCount: 1)
        #expect(try table.claimLane(key, owner: "old", claim: 1) == .claimed(nil))
        let stop = StopLatch()
        let old = LaneCheckpointWriter(
            key: key, fence: LaneFence(owner: "old", claim: 1), store: table, checkpoint: nil, clock: ManualClock(),
            stop: stop)
        try old.checkpoint(to: SequenceNumber("10")!)
        // A new owner takes the lease (higher counter) and claims the lane.
        #expect(try table.claimLane(key, owner: "new", claim: 2) == .claimed(SequenceNumber("10")))
        // A late claim with the older counter loses.
        #expect(try table.claimLane(key, owner: "old", claim: 1) == .lostRace)
        #expect(throws: LeaseLostError.self) { try old.checkpoint(to: SequenceNumber("20")!) }
        // The fenced write inside a transaction fails too, and the effects with it.
        let fenced = old.fencedCheckpoint(to: SequenceNumber("20")!)
        #expect(throws: (any Error).self) {
            try table.transact([.put(PutItemInput(tableName: "effects", item: ["id": .s("x")])), fenced])
        }
        #expect(table.effectCount(id: "x") == 0)
        #expect(table.lane(key)?.checkpoint == SequenceNumber("10"))
        // The new owner's fence holds; a replay of the same transaction does not.
        let new = LaneCheckpointWriter(
            key: key, fence: LaneFence(owner: "new", claim: 2), store: table, checkpoint: SequenceNumber("10"),
            clock: ManualClock(), stop: stop)
        let write = new.fencedCheckpoint(to: SequenceNumber("20")!)
        try table.transact([.put(PutItemInput(tableName: "effects", item: ["id": .s("y")])), write])
        #expect(throws: (any Error).self) {
            try table.transact([.put(PutItemInput(tableName: "effects", item: ["id": .s("y")])), write])
        }
        #expect(table.effectCount(id: "y") == 1)
    }

    @Test func statusShowsOwnersStatesAndTotals() throws {
        let streams = ScriptedStreams()
        streams.addShard("s0")
        streams.addShard("s1")
        for round in 0..<10 { streams.put("s0", key: "a", value: round) }
        let table = InMemoryLeaseTable()
        let log = ProcessingLog()
        let scheduler = makeScheduler(
            streams: streams, table: table, worker: "w", factory: RecordingProcessorFactory(log: log))
        try scheduler.start()
        #expect(
            eventually {
                let status = scheduler.status
                return status.recordsProcessed == 10 && status.shards.count == 2
                    && status.shards.allSatisfy { $0.owner == "w" && $0.state == "processing" }
            }, "\(scheduler.status.shards)")
        let status = scheduler.status
        #expect(status.leasesOwned == 2)
        #expect(
            status.shards.first { $0.shardId == "s0" }?.checkpoint
                == streams.records(of: "s0").last?.sequenceNumber.digits)
        scheduler.shutdown(timeout: .seconds(5))
        #expect(scheduler.status.running == false)
    }
}
