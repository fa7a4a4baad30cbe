import AWSCore
import Foundation

/// Time as the engine sees it: a monotonic reading for timeouts and expiry, and wall time for
/// record ages. Injected so that tests can drive time by hand (`ManualClock` in the test kit).
public protocol ConsumerClock: Sendable {
    /// Monotonic time since an arbitrary origin.
    func now() -> Duration
    /// Seconds since the Unix epoch (compared with ApproximateCreationDateTime).
    func wallSeconds() -> Double
    /// Blocks on `condition`, which the caller holds locked, until it is signalled or this
    /// clock reaches `deadline`; returns false once the deadline has passed. May return early
    /// (the caller re-checks its predicate, as with any condition wait).
    func wait(on condition: MonotonicCondition, until deadline: Duration) -> Bool
}

extension ConsumerClock {
    /// Real time: the condition's own timed wait, on the monotonic clock (a wall-clock step
    /// changes no deadline).
    public func wait(on condition: MonotonicCondition, until deadline: Duration) -> Bool {
        let left = deadline - now()
        guard left > .zero else { return false }
        return condition.wait(for: left) || now() < deadline
    }
}

/// The real clocks.
public struct SystemClock: ConsumerClock {
    private let origin = ContinuousClock.now
    public init() {}
    public func now() -> Duration { ContinuousClock.now - origin }
    public func wallSeconds() -> Double { Date().timeIntervalSince1970 }
}
