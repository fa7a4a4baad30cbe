import AWSCore
import Foundation
import StreamConsumer

/// A clock that moves only when a test says so; waits on it (`StopLatch`, the engine's pauses)
/// end when `advance(by:)` reaches their deadline.
public final class ManualClock: ConsumerClock, @unchecked Sendable {
    // `elapsed` and `waiting` are guarded by `lock`.
    private let lock = NSLock()
    private var elapsed: Duration = .zero
    /// Conditions that have waited on this clock (kept for its lifetime; a test makes a few).
    private var waiting: [ObjectIdentifier: MonotonicCondition] = [:]
    private let wallOrigin: Double

    public init(wallOrigin: Double = 1_800_000_000) { self.wallOrigin = wallOrigin }

    public func now() -> Duration { lock.withLock { elapsed } }
    public func wallSeconds() -> Double {
        let parts = now().components
        return wallOrigin + Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// Waits until signalled or until the clock is advanced past `deadline`. A short real-time
    /// timeout makes the caller re-check now and then, so that no wake-up can be missed.
    public func wait(on condition: MonotonicCondition, until deadline: Duration) -> Bool {
        lock.withLock { waiting[ObjectIdentifier(condition)] = condition }
        guard now() < deadline else { return false }
        condition.wait(for: .milliseconds(50))
        return now() < deadline
    }

    /// Moves time forward and wakes the waits whose deadline it reaches.
    public func advance(by duration: Duration) {
        let conditions = lock.withLock {
            elapsed += duration
            return Array(waiting.values)
        }
        // Taking each condition's lock orders the wake-up after a waiter's deadline check.
        for condition in conditions {
            condition.lock()
            condition.broadcast()
            condition.unlock()
        }
    }
}
