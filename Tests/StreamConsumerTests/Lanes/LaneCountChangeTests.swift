import AWSDynamoDB
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// Changing the parallelization factor never applies a record twice (docs/leases.md).
@Suite(.serialized) struct LaneCountChangeTests {
    @Test func liveChange_fromOneToThreeLanes_appliesEveryRecordOnce() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        var all = (0..<40).map { streams.put("s", key: "k\($0 % 9)", value: $0) }
        let table = InMemoryLeaseTable()
        let log = ProcessingLog()
        let scheduler = makeScheduler(
            streams: streams, table: table, worker: "w",
            factory: RecordingProcessorFactory(log: log, mode: .transactional(table)),
            tunables: fastTunables(batchSize: 10, parallelization: 1))
        try scheduler.start()
        #expect(eventually { table.allEffects.count == all.count })
        try scheduler.update(fastTunables(batchSize: 10, parallelization: 3))
        all += (40..<100).map { streams.put("s", key: "k\($0 % 9)", value: $0) }
        #expect(eventually { table.allEffects.count == all.count })
        #expect(eventually { table.lease("s")?.laneCount == 3 })
        scheduler.shutdown(timeout: .seconds(5))
        #expect(table.allEffects.values.allSatisfy { $0 == 1 })
        #expect(Set(log.allCalls.filter { $0.laneCount == 3 }.map(\.lane)) == [0, 1, 2])
        // The lanes were level at the switch: no filter needed, the old lane item is gone.
        #expect(table.lease("s")?.previousLaneCount == nil)
        #expect(table.laneKeys(of: "s") == ["s#lane0of3", "s#lane1of3", "s#lane2of3"])
        for (_, sequences) in log.appliedByKey { #expect(sequences == sequences.sorted()) }
    }

    @Test func takeoverWithUnevenOldLanes_filtersByTheOldCheckpoints_thenDropsThem() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        let all = (0..<60).map { streams.put("s", key: "k\($0 % 11)", value: $0) }
        let records = streams.records(of: "s")
        let table = InMemoryLeaseTable()
        // A previous owner ran 2 lanes and died with them uneven: lane 0 at record 40, lane 1 at 10.
        let old = [all[40], all[10]]
        _ = try table.createLease(
            Lease(shardId: "s", counter: 5, checkpoint: .sequence(old[1]), laneCount: 2))
        for lane in 0..<2 {
            let key = LaneKey(shardId: "s", lane: lane, laneCount: 2)
            _ = try table.resetLane(key, owner: "dead", claim: 1, checkpoint: old[lane])
        }
        let expected = Set(
            records.filter { $0.sequenceNumber > old[LaneHasher.lane(of: $0, laneCount: 2)] }.map(
                \.sequenceNumber.digits))
        #expect(expected.count < all.count && expected.count > 20)

        let log = ProcessingLog()
        let scheduler = makeScheduler(
            streams: streams, table: table, worker: "w",
            factory: RecordingProcessorFactory(log: log, mode: .transactional(table)),
            tunables: fastTunables(batchSize: 7, parallelization: 3))
        try scheduler.start()
        #expect(eventually { Set(table.allEffects.keys) == expected })
        // Once every new lane passed lane 0's old checkpoint the filter and old items go.
        #expect(eventually { table.lease("s")?.previousLaneCount == nil && table.lease("s")?.laneCount == 3 })
        #expect(eventually { table.laneKeys(of: "s") == ["s#lane0of3", "s#lane1of3", "s#lane2of3"] })
        scheduler.shutdown(timeout: .seconds(5))
        #expect(Set(table.allEffects.keys) == expected, "nothing at or below an old lane checkpoint was re-applied")
        #expect(table.allEffects.values.allSatisfy { $0 == 1 })
    }

    @Test func crashInTheMiddleOfAChange_resumesWithTheFilter() throws {
        // The lease says 3 lanes with the 2 old ones still filtering; a new owner wanting 1 lane
        // first finishes the change it found, then switches.
        let streams = ScriptedStreams()
        streams.addShard("s")
        let all = (0..<50).map { streams.put("s", key: "k\($0 % 7)", value: $0) }
        let records = streams.records(of: "s")
        let table = InMemoryLeaseTable()
        let old = [all[30], all[20]]
        let floor = all[20]
        _ = try table.createLease(
            Lease(shardId: "s", counter: 3, checkpoint: .sequence(floor), laneCount: 3, previousLaneCount: 2))
        for lane in 0..<2 {
            _ = try table.resetLane(
                LaneKey(shardId: "s", lane: lane, laneCount: 2), owner: "dead", claim: 1, checkpoint: old[lane])
        }
        for lane in 0..<3 {
            _ = try table.resetLane(
                LaneKey(shardId: "s", lane: lane, laneCount: 3), owner: "dead", claim: 1, checkpoint: floor)
        }
        let expected = Set(
            records.filter { $0.sequenceNumber > old[LaneHasher.lane(of: $0, laneCount: 2)] }.map(
                \.sequenceNumber.digits))
        let log = ProcessingLog()
        let scheduler = makeScheduler(
            streams: streams, table: table, worker: "w",
            factory: RecordingProcessorFactory(log: log, mode: .transactional(table)),
            tunables: fastTunables(batchSize: 5, parallelization: 1))
        try scheduler.start()
        #expect(eventually { Set(table.allEffects.keys) == expected })
        #expect(eventually { table.lease("s")?.laneCount == 1 && table.lease("s")?.previousLaneCount == nil })
        scheduler.shutdown(timeout: .seconds(5))
        #expect(table.allEffects.values.allSatisfy { $0 == 1 })
        #expect(table.laneKeys(of: "s") == ["s#lane0of1"])
    }
}
