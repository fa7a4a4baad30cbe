/// The one home of the `Duration` ↔ seconds conversions every module uses (AWSCore is below them
/// all).
extension Duration {
    /// The duration in (fractional) seconds.
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// A duration from fractional seconds, never trapping: negative, NaN and zero give zero, and
    /// anything beyond ~285 years (a wild timestamp difference) is clamped there.
    public static func fromSeconds(_ seconds: Double) -> Duration {
        guard seconds > 0 else { return .zero }
        return .nanoseconds(Int64(min(seconds, 9e9) * 1e9))
    }

    /// The duration in whole nanoseconds, truncated (wraps only beyond ~292 years, far past any
    /// clock reading or wait here).
    public var wholeNanoseconds: Int64 {
        let parts = components
        return parts.seconds &* 1_000_000_000 &+ parts.attoseconds / 1_000_000_000
    }

    /// The duration in whole milliseconds, rounded up so that a tiny timeout never becomes 0
    /// (which libcurl reads as "no timeout").
    var roundedUpMilliseconds: Int {
        let parts = components
        let fromAtto = (parts.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(parts.seconds) * 1000 + Int(fromAtto)
    }
}
