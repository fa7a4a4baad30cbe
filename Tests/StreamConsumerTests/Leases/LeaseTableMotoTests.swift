import AWSCore
import AWSDynamoDB
import Foundation
import StreamConsumerTestKit
import TestPeers
import Testing

@testable import StreamConsumer

/// Clients for a moto server with its dummy keys; one per call (one per thread).
struct MotoPeer: Sendable {
    let endpoint: String

    static let credentials = StaticCredentialProvider(
        Credentials(accessKeyID: "testing", secretAccessKey: "testing", source: "test"))

    func dynamoDB() -> DynamoDBClient {
        DynamoDBClient(
            endpoint: endpoint, region: "us-east-1", transport: CurlTransport(), credentials: Self.credentials,
            retrier: Retrier(policy: RetryPolicy(maxAttempts: 3), abortFlag: nil))
    }

    func streams() -> DynamoDBStreamsClient {
        DynamoDBStreamsClient(
            endpoint: endpoint, region: "us-east-1", transport: CurlTransport(), credentials: Self.credentials,
            retrier: Retrier(policy: RetryPolicy(maxAttempts: 3), abortFlag: nil))
    }

    func leaseTable(_ name: String, create: Bool = true) -> LeaseTable {
        LeaseTable(client: dynamoDB(), tableName: name, createIfMissing: create)
    }
}

/// `LeaseTable` against a real moto server: the expressions, conditions and outcomes.
@Suite(.serialized) struct LeaseTableMotoTests {
    @Test func missingTable_isAClearError_unlessCreationIsAllowed() throws {
        let moto = try MotoServer()
        let peer = MotoPeer(endpoint: moto.endpoint)
        #expect {
            try peer.leaseTable("leases", create: false).prepare()
        } throws: { error in
            (error as? ConsumerError)?.kind == .leaseTableMissing
        }
        try peer.leaseTable("leases").prepare()
        try peer.leaseTable("leases", create: false).prepare()
        let description = try peer.dynamoDB().describeTable("leases")
        #expect(description.keySchema == [KeySchemaElement(attributeName: "leaseKey", keyType: "HASH")])
    }

    @Test func heartbeats_areBumped_listedApartFromLeases_andDeletedOnlyIfUnchanged() throws {
        let moto = try MotoServer()
        let table = MotoPeer(endpoint: moto.endpoint).leaseTable("leases")
        try table.prepare()
        #expect(try table.createLease(Lease(shardId: "shard-1", checkpoint: .trimHorizon)))
        try table.beat(worker: "w1")
        try table.beat(worker: "w1")
        try table.beat(worker: "w2")
        let listing = try table.scanLeases()
        #expect(listing.leases.map(\.shardId) == ["shard-1"])
        #expect(
            Set(listing.heartbeats) == [
                WorkerHeartbeat(worker: "w1", counter: 2), WorkerHeartbeat(worker: "w2", counter: 1),
            ])
        #expect(try table.listLeases().map(\.shardId) == ["shard-1"])
        // Stored under its own key, never read as a lease.
        let item = try #require(
            try MotoPeer(endpoint: moto.endpoint).dynamoDB().getItem(
                GetItemInput(tableName: "leases", key: ["leaseKey": .s(WorkerHeartbeat.key(of: "w1"))])))
        #expect(Lease(item: item) == nil)
        #expect(try !table.deleteHeartbeat(WorkerHeartbeat(worker: "w1", counter: 1)))
        #expect(try table.deleteHeartbeat(WorkerHeartbeat(worker: "w1", counter: 2)))
        #expect(try table.scanLeases().heartbeats == [WorkerHeartbeat(worker: "w2", counter: 1)])
    }

    @Test func takeRenewUpdateRelease_withConditionsAsOutcomes() throws {
        let moto = try MotoServer()
        let table = MotoPeer(endpoint: moto.endpoint).leaseTable("leases")
        try table.prepare()
        let fresh = Lease(shardId: "shard-1", checkpoint: .trimHorizon, parentShardIds: ["shard-0"])
        #expect(try table.createLease(fresh))
        #expect(try !table.createLease(fresh))
        guard case .taken(let taken) = try table.takeLease(fresh, owner: "w1") else {
            Issue.record("take failed")
            return
        }
        #expect(taken.owner == "w1" && taken.counter == 1 && taken.ownerSwitchesSinceCheckpoint == 1)
        #expect(taken.parentShardIds == ["shard-0"])
        // Someone who saw the old state loses the race.
        #expect(try table.takeLease(fresh, owner: "w2") == .lostRace)
        let checkpoint = LeaseCheckpoint.sequence(SequenceNumber("4000000000000000000012345")!)
        guard case .taken(let renewed) = try table.renewLease(taken, checkpoint: checkpoint) else {
            Issue.record("renew failed")
            return
        }
        #expect(renewed.counter == 2 && renewed.checkpoint == checkpoint)
        #expect(try table.renewLease(taken, checkpoint: nil) == .lostRace, "stale counter")
        // The re-read after a conditional failure: the item as stored, lane items and missing keys apart.
        #expect(try table.readLease(shardId: "shard-1") == renewed)
        #expect(try table.readLease(shardId: "shard-9") == nil)
        var update = renewed
        update.laneCount = 3
        update.previousLaneCount = 2
        update.childShardIds = ["a", "b"]
        guard case .taken(let updated) = try table.updateLease(update) else {
            Issue.record("update failed")
            return
        }
        #expect(updated.laneCount == 3 && updated.previousLaneCount == 2 && updated.childShardIds == ["a", "b"])
        update.previousLaneCount = nil
        guard case .taken(let cleared) = try table.updateLease(update) else {
            Issue.record("update clearing previousLaneCount failed")
            return
        }
        #expect(cleared.previousLaneCount == nil)
        var stranger = update
        stranger.owner = "w2"
        #expect(try table.updateLease(stranger) == .lostRace)
        guard case .taken(let released) = try table.releaseLease(cleared, checkpoint: .shardEnd) else {
            Issue.record("release failed")
            return
        }
        #expect(released.owner == nil && released.checkpoint == .shardEnd)
        // Unowned: a take conditioned on "no owner" works for anyone.
        guard case .taken(let retaken) = try table.takeLease(released, owner: "w2") else {
            Issue.record("take after release failed")
            return
        }
        #expect(retaken.owner == "w2" && retaken.ownerSwitchesSinceCheckpoint == 2)
        try table.deleteLease(shardId: "shard-1")
        #expect(try table.listLeases().isEmpty)
    }

    @Test func anEarlierTenureOfTheSameOwner_cannotUpdateOrReleaseTheLease() throws {
        let moto = try MotoServer()
        let table = MotoPeer(endpoint: moto.endpoint).leaseTable("leases")
        try table.prepare()
        let fresh = Lease(shardId: "shard-1", checkpoint: .trimHorizon)
        #expect(try table.createLease(fresh))
        guard case .taken(let first) = try table.takeLease(fresh, owner: "w1") else {
            Issue.record("take failed")
            return
        }
        #expect(first.claimedAt == first.counter)
        // w1 loses the lease to w2, then takes it back: a new tenure under the same name.
        guard case .taken(let stolen) = try table.takeLease(first, owner: "w2"),
            case .taken(let second) = try table.takeLease(stolen, owner: "w1")
        else {
            Issue.record("takes failed")
            return
        }
        #expect(second.owner == "w1" && second.claimedAt == second.counter && second.claimedAt != first.claimedAt)
        var stale = first
        stale.laneCount = 4
        #expect(try table.updateLease(stale) == .lostRace, "the first tenure's consumer is fenced out")
        #expect(try table.releaseLease(first, checkpoint: nil) == .lostRace)
        var current = second
        current.laneCount = 2
        guard case .taken(let updated) = try table.updateLease(current) else {
            Issue.record("the current tenure could not update")
            return
        }
        #expect(updated.laneCount == 2 && updated.claimedAt == second.claimedAt)
        // Renewals keep the tenure.
        guard case .taken(let renewed) = try table.renewLease(updated, checkpoint: nil) else {
            Issue.record("renew failed")
            return
        }
        #expect(renewed.claimedAt == second.claimedAt && renewed.counter == second.counter + 1)
        guard case .taken(let released) = try table.releaseLease(renewed, checkpoint: nil) else {
            Issue.record("release failed")
            return
        }
        #expect(released.owner == nil)
    }

    @Test func laneItems_claimFenceAndStayOutOfLeaseListings() throws {
        let moto = try MotoServer()
        let peer = MotoPeer(endpoint: moto.endpoint)
        let table = peer.leaseTable("leases")
        try table.prepare()
        _ = try table.createLease(Lease(shardId: "s", checkpoint: .latest))
        let key = LaneKey(shardId: "s", lane: 1, laneCount: 2)
        #expect(try table.claimLane(key, owner: "w1", claim: 3) == .claimed(nil))
        let w1 = LaneFence(owner: "w1", claim: 3)
        // A fence with another claim of the same worker (an older consumer) is refused.
        #expect(
            try table.checkpointLane(
                key, fence: LaneFence(owner: "w1", claim: 2), previous: nil, next: SequenceNumber("5")!)
                == .lostRace)
        let first = SequenceNumber("100000000000000000000000001")!
        let second = SequenceNumber("100000000000000000000000002")!
        #expect(try table.checkpointLane(key, fence: w1, previous: nil, next: first) == .written)
        #expect(try table.checkpointLane(key, fence: w1, previous: nil, next: second) == .lostRace, "stale previous")
        // Lane items never show up as leases.
        #expect(try table.listLeases().map(\.shardId) == ["s"])
        // A processor's transaction: effects plus the fenced checkpoint, all or nothing.
        let client = peer.dynamoDB()
        try client.createEffectsTable()
        let effect = TransactWriteItem.update(
            UpdateItemInput(
                tableName: "effects", key: ["id": .s("x")], updateExpression: "ADD applied :one",
                expression: ExpressionParts(values: [":one": .n("1")])))
        let fenced = table.fencedLaneCheckpoint(key, fence: w1, previous: first, next: second)
        _ = try client.transactWriteItems(TransactWriteItemsInput(items: [effect, fenced]))
        // A replay (a retry after a timeout, say) is refused by the fence, effects included.
        #expect(throws: AWSError.self) {
            _ = try client.transactWriteItems(TransactWriteItemsInput(items: [effect, fenced]))
        }
        #expect(
            try client.getItem(GetItemInput(tableName: "effects", key: ["id": .s("x")], consistentRead: true))?[
                "applied"] == .n("1"))
        // A new owner claims with a higher lease counter: the old owner can no longer commit,
        // and a late claim with the old counter loses.
        #expect(try table.readLane(key) == LaneState(owner: "w1", claim: 3, checkpoint: second))
        #expect(try table.claimLane(key, owner: "w2", claim: 4) == .claimed(second))
        #expect(try table.claimLane(key, owner: "w1", claim: 3) == .lostRace)
        let late = table.fencedLaneCheckpoint(key, fence: w1, previous: second, next: SequenceNumber("3")!)
        #expect(throws: AWSError.self) {
            _ = try client.transactWriteItems(TransactWriteItemsInput(items: [effect, late]))
        }
        #expect(try table.checkpointLane(key, fence: w1, previous: second, next: SequenceNumber("9")!) == .lostRace)
        // resetLane writes a starting checkpoint (lane count change) and can clear it.
        #expect(try table.resetLane(key, owner: "w2", claim: 4, checkpoint: first) == .claimed(first))
        #expect(try table.resetLane(key, owner: "w2", claim: 4, checkpoint: nil) == .claimed(nil))
        try table.deleteLanes([key, LaneKey(shardId: "s", lane: 0, laneCount: 2)])
        #expect(try table.claimLane(key, owner: "w3", claim: 1) == .claimed(nil), "deleted: claimable afresh")
    }
}
