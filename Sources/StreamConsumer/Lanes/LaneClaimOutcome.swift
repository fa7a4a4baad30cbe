import AWSDynamoDB

/// Result of claiming a lane checkpoint item when a lease is taken.
public enum LaneClaimOutcome: Sendable, Equatable {
    /// The lane is ours; its checkpoint as stored (nil before the first one).
    case claimed(SequenceNumber?)
    /// A later owner claimed it first.
    case lostRace
}
