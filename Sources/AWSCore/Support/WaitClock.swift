/// The time that timed waits are measured on: a monotonic reading and a way to block on a
/// condition until a deadline of it. Injected so that tests can drive time by hand; the engine's
/// `ConsumerClock` refines it with wall time.
public protocol WaitClock: Sendable {
    /// Monotonic time since an arbitrary origin.
    func now() -> Duration
    /// Blocks on `condition`, which the caller holds locked, until it is signalled or this
    /// clock reaches `deadline`; returns false once the deadline has passed. May return early
    /// (the caller re-checks its predicate, as with any condition wait).
    func wait(on condition: MonotonicCondition, until deadline: Duration) -> Bool
}

extension WaitClock {
    /// Real time: the condition's own timed wait, on the monotonic clock (a wall-clock step
    /// changes no deadline).
    public func wait(on condition: MonotonicCondition, until deadline: Duration) -> Bool {
        let left = deadline - now()
        guard left > .zero else { return false }
        return condition.wait(for: left) || now() < deadline
    }
}

/// Real monotonic time, measured from the moment the clock was made.
public struct MonotonicWaitClock: WaitClock {
    private let origin = ContinuousClock.now
    public init() {}
    public func now() -> Duration { ContinuousClock.now - origin }
}
