import AWSDynamoDB

/// A lane checkpoint item as stored.
public struct LaneState: Sendable, Equatable {
    public var owner: String?
    public var claim: Int?
    public var checkpoint: SequenceNumber?
    public init(owner: String?, claim: Int?, checkpoint: SequenceNumber?) {
        self.owner = owner
        self.claim = claim
        self.checkpoint = checkpoint
    }
}
