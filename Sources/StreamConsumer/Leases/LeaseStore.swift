import AWSDynamoDB

/// Result of a conditional lease write: losing a race is an outcome, not an error.
public enum LeaseWriteOutcome: Sendable, Equatable {
    /// The write happened; the lease as it is now.
    case taken(Lease)
    /// The condition failed: someone else changed the lease first.
    case lostRace
}

/// Persistence of leases and lane checkpoints (KCL's "LeaseRefresher" plus the CheckpointStore).
///
/// `LeaseTable` keeps them in DynamoDB; the test kit's `InMemoryLeaseTable` in memory. Methods
/// block; an instance is used by one thread at a time unless the implementation says otherwise.
/// Conditional failures come back as outcomes; other failures throw (`AWSError` or
/// `ConsumerError`).
public protocol LeaseStore: AnyObject {
    /// Makes sure the table exists (creating it when the store was configured to).
    func prepare() throws
    /// Every shard lease and worker heartbeat (lane items are left out), read consistently.
    func scanLeases() throws -> LeaseTableListing
    /// One shard lease as stored (consistent read); nil when it does not exist. Used after a
    /// conditional failure to tell a lost race from a write of ours whose reply was lost.
    func readLease(shardId: String) throws -> Lease?
    /// Creates the lease unless one exists; returns whether it was created.
    func createLease(_ lease: Lease) throws -> Bool
    /// Takes `lease` as it was seen (counter and owner unchanged) for `owner`: sets the owner,
    /// bumps the counter and `ownerSwitchesSinceCheckpoint`, and starts a tenure (`claimedAt` =
    /// the new counter).
    func takeLease(_ lease: Lease, owner: String) throws -> LeaseWriteOutcome
    /// Renews a held lease (`leaseCounter = :seen AND leaseOwner = :me`), bumping the counter;
    /// also stores `checkpoint` when given.
    func renewLease(_ lease: Lease, checkpoint: LeaseCheckpoint?) throws -> LeaseWriteOutcome
    /// Writes lease fields other than ownership (checkpoint, lane counts, children) of a lease
    /// held by `lease.owner`, conditioned on that owner and its tenure (`claimedAt`).
    func updateLease(_ lease: Lease) throws -> LeaseWriteOutcome
    /// Clears `leaseOwner` (conditioned on the owner and its tenure), storing `checkpoint` when given.
    func releaseLease(_ lease: Lease, checkpoint: LeaseCheckpoint?) throws -> LeaseWriteOutcome
    /// Deletes a lease and nothing else.
    func deleteLease(shardId: String) throws
    /// Bumps `worker`'s heartbeat item (creating it when missing). Unconditional: a retried call
    /// that bumps it twice only says the worker is alive twice.
    func beat(worker: String) throws
    /// Deletes `heartbeat`'s item if its counter is still the one seen; returns whether it did.
    func deleteHeartbeat(_ heartbeat: WorkerHeartbeat) throws -> Bool

    /// Claims a lane item for `owner`, creating it when missing. `claim` is the lease counter
    /// right after the take: a claim with a lower number than the stored one loses.
    func claimLane(_ key: LaneKey, owner: String, claim: Int) throws -> LaneClaimOutcome
    /// Creates or overwrites a lane item with a starting checkpoint (used when the lane count changes).
    func resetLane(_ key: LaneKey, owner: String, claim: Int, checkpoint: SequenceNumber?) throws -> LaneClaimOutcome
    /// Moves a lane checkpoint from `previous` to `next`, fenced on the owner, the claim and
    /// `previous`.
    func checkpointLane(_ key: LaneKey, fence: LaneFence, previous: SequenceNumber?, next: SequenceNumber) throws
        -> LaneCheckpointOutcome
    /// The same write as one action for the processor's TransactWriteItems call.
    func fencedLaneCheckpoint(_ key: LaneKey, fence: LaneFence, previous: SequenceNumber?, next: SequenceNumber)
        -> TransactWriteItem
    /// The lane item as stored (consistent read); nil when it does not exist.
    func readLane(_ key: LaneKey) throws -> LaneState?
    /// Deletes lane items (missing ones are fine).
    func deleteLanes(_ keys: [LaneKey]) throws
}

extension LeaseStore {
    /// Every shard lease (lane items and heartbeats are left out), read consistently.
    public func listLeases() throws -> [Lease] { try scanLeases().leases }
}
