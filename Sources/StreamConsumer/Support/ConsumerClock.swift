import Foundation

/// Time as the engine sees it: a monotonic reading for timeouts and expiry, and wall time for
/// record ages. Injected so that tests can drive time by hand (`ManualClock` in the test kit).
public protocol ConsumerClock: Sendable {
    /// Monotonic time since an arbitrary origin.
    func now() -> Duration
    /// Seconds since the Unix epoch (compared with ApproximateCreationDateTime).
    func wallSeconds() -> Double
}

/// The real clocks.
public struct SystemClock: ConsumerClock {
    private let origin = ContinuousClock.now
    public init() {}
    public func now() -> Duration { ContinuousClock.now - origin }
    public func wallSeconds() -> Double { Date().timeIntervalSince1970 }
}

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

extension Duration {
    /// The duration in (fractional) seconds.
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// A duration from fractional seconds (negative values become zero).
    static func fromSeconds(_ seconds: Double) -> Duration {
        .nanoseconds(Int64(max(0, seconds) * 1e9))
    }
}

/// Exponential backoff with full jitter: a random delay in 0…min(cap, base·2^(attempt-1)).
struct Backoff: Sendable {
    var base: Duration
    var cap: Duration

    func delay(attempt: Int) -> Duration {
        let exponent = Double(min(max(attempt - 1, 0), 30))
        let ceiling = min(cap.seconds, base.seconds * pow(2, exponent))
        return .fromSeconds(Double.random(in: 0...max(ceiling, 0.000_001)))
    }
}
