import AWSDynamoDB
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// End-to-end runs of the engine over `ScriptedStreams` and `InMemoryLeaseTable`, on real
/// threads with short timeouts.
@Suite(.serialized) struct ShardSchedulerDeliveryTests {
    /// 8 root shards; 4 of them roll over (one into two children, whose child rolls again).
    func buildStream() -> (ScriptedStreams, [SequenceNumber]) {
        let streams = ScriptedStreams()
        var all: [SequenceNumber] = []
        for index in 0..<8 { streams.addShard("shard-\(index)") }
        for round in 0..<30 {
            for index in 0..<8 {
                all.append(streams.put("shard-\(index)", key: "k\(index)-\(round % 7)", value: round))
            }
        }
        return (streams, all)
    }

    @Test func eightShardsWithRollovers_everyRecordAppliedOnce_childrenAfterParents() throws {
        let (streams, initial) = buildStream()
        var all = initial
        let table = InMemoryLeaseTable()
        let log = ProcessingLog()
        let scheduler = makeScheduler(
            streams: streams, table: table, worker: "w1",
            factory: RecordingProcessorFactory(log: log, mode: .transactional(table)),
            tunables: fastTunables(batchSize: 40, parallelization: 2))
        try scheduler.start()
        // Rollovers while running: shard-0 → a, b; shard-1 → c → d; shard-2 and shard-3 → e, f.
        streams.rollover("shard-0", into: ["a", "b"])
        streams.rollover("shard-1", into: ["c"])
        for round in 0..<20 {
            for child in ["a", "b", "c"] {
                all.append(streams.put(child, key: "k-\(child)-\(round % 5)", value: round))
            }
        }
        streams.rollover("c", into: ["d"])
        streams.rollover("shard-2", into: ["e"])
        streams.rollover("shard-3", into: ["f"])
        for round in 0..<20 {
            for child in ["d", "e", "f"] {
                all.append(streams.put(child, key: "k-\(child)-\(round % 5)", value: round))
            }
        }
        let done = eventually(timeout: .seconds(20)) { table.allEffects.count == all.count }
        scheduler.shutdown(timeout: .seconds(5))
        #expect(done)
        let effects = table.allEffects
        #expect(all.allSatisfy { effects[$0.digits] == 1 }, "every record applied exactly once")
        #expect(effects.values.allSatisfy { $0 == 1 })
        // Per key, records were applied in stream order.
        for (_, sequences) in log.appliedByKey { #expect(sequences == sequences.sorted()) }
        // No child record was processed before its parent's last record.
        let calls = log.allCalls.filter(\.succeeded)
        for (parent, child) in [("shard-0", "a"), ("shard-0", "b"), ("shard-1", "c"), ("c", "d"), ("shard-2", "e")] {
            let lastParent = calls.lastIndex { $0.shardId == parent }!
            let firstChild = calls.firstIndex { $0.shardId == child }!
            #expect(lastParent < firstChild, "\(child) before \(parent) ended")
        }
        // Ended parents are SHARD_END and their lane items are gone.
        #expect(table.lease("shard-0")?.checkpoint == .shardEnd)
        #expect(table.laneKeys(of: "shard-0").isEmpty)
        #expect(table.lease("d")?.parentShardIds == ["c"])
        #expect(table.lease("shard-0")?.childShardIds == ["a", "b"])
    }

    @Test func gracefulShutdown_checkpointsAndReleases_thenAnotherWorkerResumesWithoutRepeats() throws {
        let (streams, all) = buildStream()
        let table = InMemoryLeaseTable()
        let log = ProcessingLog()
        let first = makeScheduler(
            streams: streams, table: table, worker: "w1",
            factory: RecordingProcessorFactory(log: log, mode: .engineCheckpoints, delay: .milliseconds(30)),
            tunables: fastTunables(batchSize: 5))
        try first.start()
        #expect(eventually { log.applied.count >= 40 })
        first.shutdown(timeout: .seconds(5))
        #expect(table.allLeases.allSatisfy { $0.owner == nil }, "released at shutdown")
        #expect(log.allEvents.contains { $0.hasPrefix("shutdownRequested") })
        let appliedByFirst = log.applied.count
        let second = makeScheduler(
            streams: streams, table: table, worker: "w2",
            factory: RecordingProcessorFactory(log: log, mode: .engineCheckpoints),
            tunables: fastTunables(batchSize: 10))
        try second.start()
        // Released leases are taken at once, not after the failover time.
        #expect(eventually(timeout: .seconds(10)) { log.applied.count >= all.count })
        second.shutdown(timeout: .seconds(5))
        // The engine checkpointed every completed batch: a graceful handover repeats nothing.
        #expect(log.applied.count == all.count)
        #expect(Set(log.applied) == Set(all))
        #expect(appliedByFirst < all.count, "the first worker stopped part-way")
    }

    @Test func parallelizationFour_keepsPerKeyOrder_usingSeveralLanes() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        var all: [SequenceNumber] = []
        for round in 0..<200 { all.append(streams.put("s", key: "key-\(round % 23)", value: round)) }
        for laneCount in [1, 4] {
            let table = InMemoryLeaseTable()
            let log = ProcessingLog()
            let scheduler = makeScheduler(
                streams: streams, table: table, worker: "w", factory: RecordingProcessorFactory(log: log),
                tunables: fastTunables(batchSize: 50, parallelization: laneCount))
            try scheduler.start()
            #expect(eventually { Set(log.applied) == Set(all) })
            scheduler.shutdown(timeout: .seconds(5))
            #expect(log.applied.count == all.count)
            for (_, sequences) in log.appliedByKey { #expect(sequences == sequences.sorted()) }
            let lanesUsed = Set(log.allCalls.map(\.lane))
            #expect(lanesUsed.count == laneCount)
            // A key never appears in two lanes.
            var laneOfKey: [String: Int] = [:]
            for call in log.allCalls {
                for key in call.keys {
                    #expect(laneOfKey[key, default: call.lane] == call.lane)
                    laneOfKey[key] = call.lane
                }
            }
        }
    }
}
