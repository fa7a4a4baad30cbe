import AWSCore
import AWSDynamoDB
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

@Suite struct LeaseCoordinatorTests {
    let clock = ManualClock()
    let table = InMemoryLeaseTable()

    func coordinator(_ worker: String) -> LeaseCoordinator {
        LeaseCoordinator(
            workerId: worker, failoverTime: .seconds(10), store: table, clock: clock, metrics: ConsumerMetrics(),
            logger: quietLogger)
    }

    func addLeases(_ count: Int, owner: String? = nil) {
        for index in 0..<count {
            _ = try? table.createLease(Lease(shardId: "s\(index)", owner: owner, checkpoint: .trimHorizon))
        }
    }

    @Test func takesUnownedLeasesUpToItsShare() throws {
        addLeases(6)
        let a = coordinator("a")
        #expect(try a.takeLeases().taken.count == 6)
        let b = coordinator("b")
        // a's leases are fresh: b sees two workers, target 3, nothing free: it steals one.
        let report = try b.takeLeases()
        #expect(report.taken.isEmpty)
        #expect(report.stolen.count == 1)
    }

    @Test func expiryIsJudgedLocally_fromTheCounterNotChanging() throws {
        addLeases(2)
        let a = coordinator("a")
        _ = try a.takeLeases()
        let b = coordinator("b")
        _ = try b.takeLeases(stealing: false)
        #expect(b.heldLeases.isEmpty)
        clock.advance(by: .seconds(9))
        #expect(try b.takeLeases(stealing: false).taken.isEmpty)
        // a renews: the counter changes, so b's clock for those leases restarts.
        #expect(a.renewLeases { _ in nil }.isEmpty)
        clock.advance(by: .seconds(5))
        #expect(try b.takeLeases(stealing: false).taken.isEmpty)
        // a stops renewing; after the failover time (by b's own clock) the leases are b's.
        _ = try b.takeLeases(stealing: false)
        clock.advance(by: .seconds(10))
        #expect(try b.takeLeases(stealing: false).taken.count == 2)
        #expect(table.allLeases.allSatisfy { $0.owner == "b" })
        // a finds out at its next renewal.
        #expect(Set(a.renewLeases { _ in nil }) == ["s0", "s1"])
        #expect(a.heldLeases.isEmpty)
    }

    @Test func lapsedLease_isKept_andNotTakenAgainByItsOwnWorker() throws {
        addLeases(1)
        let a = coordinator("a")
        _ = try a.takeLeases()
        table.setShardHook { operation, _ in
            guard operation == "renewLease" else { return }
            throw AWSError(kind: .transient, code: "CurlTimeout", message: "no answer", operation: "UpdateItem")
        }
        for _ in 0..<4 {
            clock.advance(by: .seconds(4))
            #expect(a.renewLeases { _ in nil }.isEmpty)
            // The counter stands still by a's clock too, but a holds the lease: no new tenure.
            #expect(try a.takeLeases().taken.isEmpty)
        }
        #expect(a.unconfirmedLeases == ["s0"])
        #expect(a.heldLeases.map(\.shardId) == ["s0"])
        #expect(table.lease("s0")?.counter == 1)
        #expect(table.lease("s0")?.claimedAt == 1)
        table.setShardHook(nil)
        #expect(a.renewLeases { _ in nil }.isEmpty)
        #expect(a.isConfirmed(shardId: "s0"))
        #expect(table.lease("s0")?.claimedAt == 1)
    }

    @Test func balancedWithinOneLease_stealingOneAtATime() throws {
        addLeases(7)
        let a = coordinator("a")
        let b = coordinator("b")
        let c = coordinator("c")
        _ = try a.takeLeases()
        for _ in 0..<6 {
            for worker in [b, c] {
                let report = try worker.takeLeases()
                #expect(report.stolen.count <= 1)
            }
            _ = a.renewLeases { _ in nil }
            _ = b.renewLeases { _ in nil }
            _ = c.renewLeases { _ in nil }
        }
        let counts = [a, b, c].map(\.heldLeases.count)
        #expect(counts.reduce(0, +) == 7)
        #expect(counts.max()! - counts.min()! <= 1)
    }

    @Test func shardEndLeasesAreNeitherCountedNorTaken() throws {
        _ = try table.createLease(Lease(shardId: "done", checkpoint: .shardEnd))
        addLeases(1)
        let a = coordinator("a")
        #expect(try a.takeLeases().taken == ["s0"])
    }

    @Test func releaseClearsTheOwnerAndStoresTheCheckpoint() throws {
        addLeases(1)
        let a = coordinator("a")
        _ = try a.takeLeases()
        a.release(shardId: "s0", checkpoint: .sequence(SequenceNumber("42")!))
        #expect(table.lease("s0")?.owner == nil)
        #expect(table.lease("s0")?.checkpoint == .sequence(SequenceNumber("42")!))
        // Unowned now: anyone takes it at once, no failover wait.
        #expect(try coordinator("b").takeLeases().taken == ["s0"])
    }

    @Test func renewStoresTheLowestLaneCheckpoint() throws {
        addLeases(1)
        let a = coordinator("a")
        _ = try a.takeLeases()
        _ = a.renewLeases { _ in .sequence(SequenceNumber("7")!) }
        #expect(table.lease("s0")?.checkpoint == .sequence(SequenceNumber("7")!))
        #expect(table.lease("s0")?.counter == 2)
    }

    @Test func syncCreatesLeasesInLineageOrder_andDropsShardsThatLeft() throws {
        let a = coordinator("a")
        let graph = ShardGraph(shards: [
            Shard(shardId: "old", endingSequenceNumber: SequenceNumber("5")),
            Shard(shardId: "open", parentShardId: "old"),
            Shard(shardId: "other"),
        ])
        try a.syncLeases(with: graph, position: .latest)
        // Under LATEST a closed root has nothing new: no lease; its open child starts at LATEST.
        #expect(table.lease("old") == nil)
        #expect(table.lease("open")?.checkpoint == .latest)
        #expect(table.lease("other")?.checkpoint == .latest)
        let rolled = ShardGraph(shards: [
            Shard(shardId: "open", parentShardId: "old", endingSequenceNumber: SequenceNumber("9")),
            Shard(shardId: "child", parentShardId: "open"),
        ])
        try a.syncLeases(with: rolled, position: .latest)
        #expect(table.lease("child")?.checkpoint == .trimHorizon)
        #expect(table.lease("child")?.parentShardIds == ["open"])
        // A lease at SHARD_END missing once is kept (the listing may predate it); missing twice,
        // deleted. "other" still has a position (LATEST): never deleted by a listing.
        #expect(try table.createLease(Lease(shardId: "done", checkpoint: .shardEnd)))
        try a.syncLeases(with: rolled, position: .latest)
        #expect(table.lease("done") != nil)
        try a.syncLeases(with: rolled, position: .latest)
        #expect(table.lease("done") == nil)
        #expect(table.lease("other")?.checkpoint == .latest)
    }

    @Test func trimHorizonCreatesEveryShard() throws {
        let graph = ShardGraph(shards: [
            Shard(shardId: "old", endingSequenceNumber: SequenceNumber("5")),
            Shard(shardId: "open", parentShardId: "old"),
        ])
        try coordinator("a").syncLeases(with: graph, position: .trimHorizon)
        #expect(table.lease("old")?.checkpoint == .trimHorizon)
        #expect(table.lease("open")?.checkpoint == .trimHorizon)
    }
}
