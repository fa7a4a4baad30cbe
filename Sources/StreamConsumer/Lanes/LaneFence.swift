/// Who may write a lane checkpoint: the worker and the lease counter with which it claimed the
/// lane. Including the claim fences out an older consumer of the same worker too.
public struct LaneFence: Sendable, Equatable {
    public var owner: String
    public var claim: Int
    public init(owner: String, claim: Int) {
        self.owner = owner
        self.claim = claim
    }
}
