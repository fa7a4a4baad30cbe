import AWSDynamoDB
import Foundation
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// A table's stream turned off and on again: the old stream drains, a scheduler on the new one
/// shares the lease table with it, neither takes the other's leases, and ended leases of the
/// old stream are cleaned up only after a grace.
@Suite(.serialized) struct StreamSwitchTests {
    static let oldArn = "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-01-01T00:00:00.000"
    static let newArn = "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-02-01T00:00:00.000"

    @Test func drained_onlyOnceEveryShardEndedAndWasProcessed_thenNoLeaseComesBack() throws {
        let streams = ScriptedStreams(streamArn: Self.oldArn)
        streams.addShard("a")
        streams.addShard("b")
        var written: [SequenceNumber] = []
        for round in 0..<20 {
            written.append(streams.put("a", key: "ka\(round % 4)", value: round))
            written.append(streams.put("b", key: "kb\(round % 4)", value: round))
        }
        streams.rollover("a", into: ["a1"])
        for round in 0..<5 { written.append(streams.put("a1", key: "ka\(round)", value: round)) }
        let table = InMemoryLeaseTable()
        let factory = RecordingProcessorFactory(log: ProcessingLog(), mode: .transactional(table))
        let scheduler = makeScheduler(streams: streams, table: table, worker: "w1", factory: factory)
        try scheduler.start()
        defer { scheduler.shutdown(timeout: .seconds(5)) }

        #expect(eventually { table.allEffects.count == written.count })
        // Open shards (b, a1): records all processed, but the stream is not used up.
        Thread.sleep(forTimeInterval: 0.5)
        #expect(!scheduler.streamDrained)
        #expect(table.allLeases.allSatisfy { $0.streamArn == Self.oldArn }, "leases carry their stream")

        // Streams turned off: every shard closes (no children).
        streams.close("b")
        #expect(!eventually(timeout: .milliseconds(800)) { scheduler.streamDrained }, "a1 is still open")
        streams.close("a1")
        #expect(eventually { scheduler.streamDrained })
        #expect(table.allLeases.allSatisfy { $0.checkpoint == .shardEnd })
        #expect(table.allEffects.values.allSatisfy { $0 == 1 })
        #expect(Set(table.allEffects.keys) == Set(written.map(\.digits)))

        // Another stream's scheduler deletes the ended leases: a drained scheduler never makes
        // them again (which would read the shards a second time from TRIM_HORIZON).
        for lease in table.allLeases { try table.deleteLease(shardId: lease.shardId) }
        Thread.sleep(forTimeInterval: 1)
        #expect(table.allLeases.isEmpty)
        #expect(table.allEffects.values.allSatisfy { $0 == 1 })
    }

    @Test func schedulersOfTwoStreams_shareTheLeaseTable_withoutTakingEachOthersLeases() throws {
        let old = ScriptedStreams(streamArn: Self.oldArn)
        let new = ScriptedStreams(streamArn: Self.newArn, firstSequence: 1_000_000)
        for index in 0..<3 {
            old.addShard("old\(index)")
            new.addShard("new\(index)")
        }
        var oldWritten: [SequenceNumber] = []
        var newWritten: [SequenceNumber] = []
        for round in 0..<10 {
            for index in 0..<3 {
                oldWritten.append(old.put("old\(index)", key: "k\(index)", value: round))
                newWritten.append(new.put("new\(index)", key: "k\(index)", value: round))
            }
        }
        let table = InMemoryLeaseTable()
        let factory = RecordingProcessorFactory(log: ProcessingLog(), mode: .transactional(table))
        let onOld = makeScheduler(streams: old, table: table, worker: "w-old", factory: factory)
        let onNew = makeScheduler(streams: new, table: table, worker: "w-new", factory: factory)
        try onOld.start()
        try onNew.start()
        defer {
            onOld.shutdown(timeout: .seconds(5))
            onNew.shutdown(timeout: .seconds(5))
        }
        #expect(eventually { table.allEffects.count == oldWritten.count + newWritten.count })
        // Each worker holds every lease of its own stream: a worker on the other stream neither
        // took them nor counted them in its share.
        func owners(prefix: String) -> Set<String?> {
            Set(table.allLeases.filter { $0.shardId.hasPrefix(prefix) }.map(\.owner))
        }
        #expect(eventually { owners(prefix: "old") == ["w-old"] && owners(prefix: "new") == ["w-new"] })
        Thread.sleep(forTimeInterval: 1)
        #expect(owners(prefix: "old") == ["w-old"] && owners(prefix: "new") == ["w-new"])
        #expect(table.allEffects.values.allSatisfy { $0 == 1 })

        // The old stream ends; its leases reach SHARD_END and the new stream's scheduler, which
        // sees them missing from its listing, keeps them for the grace (minutes by default).
        for index in 0..<3 { old.close("old\(index)") }
        #expect(eventually { onOld.streamDrained })
        Thread.sleep(forTimeInterval: 1)
        #expect(table.allLeases.filter { $0.shardId.hasPrefix("old") }.count == 3)
        #expect(!onNew.streamDrained)
    }

    @Test func endedLeasesOfAnotherStream_areDeletedAfterTheGrace_activeOnesNever() throws {
        let clock = ManualClock()
        let table = InMemoryLeaseTable()
        let ended = Lease(shardId: "old-a", checkpoint: .shardEnd, laneCount: 1, streamArn: Self.oldArn)
        let active = Lease(shardId: "old-b", checkpoint: .trimHorizon, streamArn: Self.oldArn)
        let untaggedEnded = Lease(shardId: "legacy", checkpoint: .shardEnd)
        for lease in [ended, active, untaggedEnded] { _ = try table.createLease(lease) }
        let key = LaneKey(shardId: "old-a", lane: 0, laneCount: 1)
        _ = try table.claimLane(key, owner: "w", claim: 1)
        let coordinator = LeaseCoordinator(
            workerId: "w-new", failoverTime: .seconds(10), store: table, clock: clock, metrics: ConsumerMetrics(),
            logger: quietLogger, streamArn: Self.newArn, foreignLeaseGrace: .seconds(600))
        let graph = ShardGraph(shards: [Shard(shardId: "new-a", startingSequenceNumber: SequenceNumber("1"))])

        try coordinator.syncLeases(with: graph, position: .latest)
        try coordinator.syncLeases(with: graph, position: .latest)
        // An untagged lease follows the old rule (absent from two listings, at SHARD_END).
        #expect(try table.readLease(shardId: "legacy") == nil)
        #expect(try table.readLease(shardId: "old-a") != nil, "kept during the grace")
        #expect(try table.readLease(shardId: "new-a")?.streamArn == Self.newArn)
        // The other stream's active lease is not ours to take.
        let report = try coordinator.takeLeases()
        #expect(report.taken == ["new-a"])

        clock.advance(by: .seconds(601))
        try coordinator.syncLeases(with: graph, position: .latest)
        #expect(try table.readLease(shardId: "old-a") == nil)
        #expect(try table.readLane(key) == nil, "its lane items go with it")
        #expect(try table.readLease(shardId: "old-b") != nil, "a lease with records left is never deleted here")
    }
}
