import AWSCore
import Foundation

/// Time as the engine sees it: a monotonic reading for timeouts and expiry (`WaitClock`), and
/// wall time for record ages. Injected so that tests can drive time by hand (`ManualClock` in
/// the test kit).
public protocol ConsumerClock: WaitClock {
    /// Seconds since the Unix epoch (compared with ApproximateCreationDateTime).
    func wallSeconds() -> Double
}

/// The real clocks.
public struct SystemClock: ConsumerClock {
    private let monotonic = MonotonicWaitClock()
    public init() {}
    public func now() -> Duration { monotonic.now() }
    public func wallSeconds() -> Double { Date().timeIntervalSince1970 }
}
