import Foundation

/// A latch that threads sleep on and that `fire()` wakes at once; used to make every wait of the
/// engine end promptly at shutdown.
public final class StopSignal: @unchecked Sendable {
    // `fired` is guarded by `condition`.
    private let condition = NSCondition()
    private var fired = false

    public init() {}

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

    /// Sleeps up to `duration`; returns true when the signal fired (before or during the wait).
    @discardableResult
    public func wait(_ duration: Duration) -> Bool {
        let deadline = Date().addingTimeInterval(duration.seconds)
        condition.lock()
        defer { condition.unlock() }
        while !fired {
            if !condition.wait(until: deadline) { break }
        }
        return fired
    }
}
