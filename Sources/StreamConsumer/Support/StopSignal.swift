import AWSCore
import Foundation

/// A latch that threads sleep on and that `fire()` wakes at once; used to make every wait of the
/// engine end promptly at shutdown. Waits are measured on the injected clock.
public final class StopSignal: @unchecked Sendable {
    // `fired` is guarded by `condition`.
    private let condition = MonotonicCondition()
    private var fired = false
    private let clock: ConsumerClock

    public init(clock: ConsumerClock = SystemClock()) { self.clock = clock }

    /// Wakes every current and future waiter.
    public func fire() {
        condition.lock()
        fired = true
        condition.broadcast()
        condition.unlock()
    }

    public var isFired: Bool {
        condition.lock()
        defer { condition.unlock() }
        return fired
    }

    /// Sleeps up to `duration` of the clock; returns true when the signal fired (before or during
    /// the wait).
    @discardableResult
    public func wait(_ duration: Duration) -> Bool {
        let deadline = clock.now() + duration
        condition.lock()
        defer { condition.unlock() }
        while !fired {
            if !clock.wait(on: condition, until: deadline) { break }
        }
        return fired
    }
}
