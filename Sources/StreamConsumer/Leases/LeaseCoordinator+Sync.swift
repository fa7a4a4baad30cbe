import AWSCore
import AWSDynamoDB
import Foundation

extension LeaseCoordinator {
    /// Creates leases for shards that have none and deletes the leases (and lane items) of
    /// shards that left the stream once they are at SHARD_END.
    ///
    /// New shards whose parent has a lease start at TRIM_HORIZON (they continue a lineage we
    /// read); others at `position`. Under LATEST a closed shard without a leased parent gets no
    /// lease: there is nothing new to read in it. A lease is deleted only when its shard was
    /// missing from two listings in a row, so a listing older than a new shard cannot delete it,
    /// and only at SHARD_END: a lease with records left is kept until its consumer ends it (a
    /// shard the service no longer knows reads as ended, DESIGN's ResourceNotFound rule), so no
    /// listing, however wrong, can delete a position. Leases of another stream (the table's stream
    /// was turned off and on) are never taken here; once at SHARD_END they are deleted after
    /// `foreignLeaseGrace`, which leaves hosts still draining that stream the time to see it drained.
    public func syncLeases(with graph: ShardGraph, position: StartingPosition) throws {
        guard !graph.shards.isEmpty else { return }
        let existing = try store.listLeases()
        var leased = Set(existing.map(\.shardId))
        for shardId in graph.topologicalOrder() where !leased.contains(shardId) {
            let parents = graph.parents(of: shardId)
            let parentLeased = parents.contains { leased.contains($0) }
            if !parentLeased && position == .latest && graph.isClosed(shardId) { continue }
            let lease = Lease(
                shardId: shardId, checkpoint: parentLeased ? .trimHorizon : LeaseCheckpoint(position),
                parentShardIds: graph.shards[shardId]?.parentShardId.map { [$0] } ?? [], streamArn: streamArn)
            if try store.createLease(lease) {
                logger.info("lease created", metadata: ["shard.id": "\(shardId)", "checkpoint": "\(lease.checkpoint)"])
            }
            leased.insert(shardId)
        }
        let generation = lock.withLock { () -> Int in
            graphGeneration += 1
            return graphGeneration
        }
        let now = clock.now()
        for lease in existing where graph.shards[lease.shardId] == nil {
            if let streamArn, !lease.belongs(to: streamArn) {
                let since = lock.withLock { () -> Duration in
                    if let since = foreignSince[lease.shardId] { return since }
                    foreignSince[lease.shardId] = now
                    return now
                }
                guard lease.checkpoint == .shardEnd, now - since >= foreignLeaseGrace else { continue }
                try deleteEnded(lease)
                lock.withLock { foreignSince[lease.shardId] = nil }
                logger.info(
                    "lease deleted: shard of an earlier stream, at SHARD_END",
                    metadata: ["shard.id": "\(lease.shardId)", "lease.stream": "\(lease.streamArn ?? "")"])
                continue
            }
            let noted = lock.withLock { () -> Int in
                if let noted = absentSince[lease.shardId] { return noted }
                absentSince[lease.shardId] = generation
                return generation
            }
            guard noted < generation else { continue }
            guard lease.checkpoint == .shardEnd else {
                if noted == generation - 1 {
                    logger.warning(
                        "shard left the stream before its lease reached SHARD_END: kept until its consumer ends it",
                        metadata: ["shard.id": "\(lease.shardId)", "checkpoint": "\(lease.checkpoint)"])
                }
                continue
            }
            try deleteEnded(lease)
            lock.withLock {
                absentSince[lease.shardId] = nil
                observations[lease.shardId] = nil
            }
            logger.info("lease deleted: shard left the stream", metadata: ["shard.id": "\(lease.shardId)"])
        }
        lock.withLock {
            for shardId in absentSince.keys where graph.shards[shardId] != nil { absentSince[shardId] = nil }
        }
    }

    /// Deletes an ended lease and its lane items.
    private func deleteEnded(_ lease: Lease) throws {
        var lanes: [LaneKey] = []
        for count in Set([lease.laneCount, lease.previousLaneCount].compactMap { $0 }) {
            lanes += (0..<count).map { LaneKey(shardId: lease.shardId, lane: $0, laneCount: count) }
        }
        try store.deleteLanes(lanes)
        try store.deleteLease(shardId: lease.shardId)
    }
}
