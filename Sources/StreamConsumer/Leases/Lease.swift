import AWSDynamoDB

/// A lease's `checkpoint` attribute: where the shard's processing stands.
public enum LeaseCheckpoint: Sendable, Hashable, CustomStringConvertible {
    case trimHorizon
    case latest
    case shardEnd
    case sequence(SequenceNumber)

    /// Parses the KCL text form; nil for anything else.
    public init?(wire: String) {
        switch wire {
        case "TRIM_HORIZON": self = .trimHorizon
        case "LATEST": self = .latest
        case "SHARD_END": self = .shardEnd
        default:
            guard let sequence = SequenceNumber(wire) else { return nil }
            self = .sequence(sequence)
        }
    }

    public var wire: String {
        switch self {
        case .trimHorizon: return "TRIM_HORIZON"
        case .latest: return "LATEST"
        case .shardEnd: return "SHARD_END"
        case .sequence(let sequence): return sequence.digits
        }
    }

    public var description: String { wire }

    init(_ position: StartingPosition) {
        self = position == .latest ? .latest : .trimHorizon
    }
}

/// One shard's lease, as the lease table holds it (KCL attribute names).
public struct Lease: Sendable, Equatable {
    /// `leaseKey`: the shard id.
    public var shardId: String
    /// `leaseOwner`: worker id, nil when nobody holds it.
    public var owner: String?
    /// `leaseCounter`: bumped by every take and renewal call; others watch it and the owner's
    /// heartbeat (`WorkerHeartbeat`).
    public var counter: Int
    /// `claimedAt`: the counter written by the take that made `owner` the owner. It names one
    /// tenure: a worker that lost the lease and took it back has a new one, so writes of its
    /// older consumer (same owner name) no longer match.
    public var claimedAt: Int?
    /// `checkpoint`: the lowest lane checkpoint, or TRIM_HORIZON / LATEST / SHARD_END.
    public var checkpoint: LeaseCheckpoint
    /// `ownerSwitchesSinceCheckpoint`.
    public var ownerSwitchesSinceCheckpoint: Int
    /// `parentShardId` (SS).
    public var parentShardIds: [String]
    /// `childShardIds` (SS), filled in at shard end.
    public var childShardIds: [String]
    /// `laneCount` (N): the parallelization factor the lane checkpoints were written with.
    public var laneCount: Int?
    /// `previousLaneCount` (N): set while the old lanes' checkpoints still filter records after a
    /// change of the parallelization factor (docs/leases.md).
    public var previousLaneCount: Int?
    /// `streamArn` (S): the stream the shard belongs to, written when the lease is created. A
    /// scheduler takes only leases of its own stream (or untagged ones, from before the tag), so
    /// hosts that still drain an old stream and hosts that already follow the table's new one
    /// share the lease table without taking each other's shards.
    public var streamArn: String?

    public init(
        shardId: String, owner: String? = nil, counter: Int = 0, checkpoint: LeaseCheckpoint,
        ownerSwitchesSinceCheckpoint: Int = 0, parentShardIds: [String] = [], childShardIds: [String] = [],
        laneCount: Int? = nil, previousLaneCount: Int? = nil, claimedAt: Int? = nil, streamArn: String? = nil
    ) {
        self.shardId = shardId
        self.owner = owner
        self.counter = counter
        self.checkpoint = checkpoint
        self.ownerSwitchesSinceCheckpoint = ownerSwitchesSinceCheckpoint
        self.parentShardIds = parentShardIds
        self.childShardIds = childShardIds
        self.laneCount = laneCount
        self.previousLaneCount = previousLaneCount
        self.claimedAt = claimedAt
        self.streamArn = streamArn
    }

    /// Whether a consumer of `stream` may take this lease: untagged leases belong to any stream.
    public func belongs(to stream: String) -> Bool { streamArn.map { $0 == stream } ?? true }
}
