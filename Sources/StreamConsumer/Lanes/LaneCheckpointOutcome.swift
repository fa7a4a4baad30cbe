/// Result of a fenced lane checkpoint write.
public enum LaneCheckpointOutcome: Sendable, Equatable {
    case written
    /// The lane item has another owner or another checkpoint: the lease was lost.
    case lostRace
}
