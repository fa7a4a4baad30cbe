extension Duration {
    /// The duration in (fractional) seconds.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// The duration in whole milliseconds, rounded up so that a tiny timeout never becomes 0
    /// (which libcurl reads as "no timeout").
    var roundedUpMilliseconds: Int {
        let parts = components
        let fromAtto = (parts.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(parts.seconds) * 1000 + Int(fromAtto)
    }
}
