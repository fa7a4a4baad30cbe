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

extension Duration {
    /// The duration in (fractional) seconds.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// A duration from fractional seconds (negative values become zero).
    static func fromSeconds(_ seconds: Double) -> Duration {
        .nanoseconds(Int64(max(0, seconds) * 1e9))
    }
}
