/// A snapshot window type and its key, as `get_window_key` in the reference formats it.
public enum UsageWindow: String, Sendable, CaseIterable, Hashable {
    case hourly, daily, monthly

    /// The earliest and latest epoch milliseconds Python's `datetime` accepts (years 1…9999).
    static let minimumMilliseconds: Int128 = -62_135_596_800_000
    static let maximumMilliseconds: Int128 = 253_402_300_799_999

    /// The window's start as `%Y-%m-%dT%H:00:00Z` (hourly), `%Y-%m-%dT00:00:00Z` (daily) or
    /// `%Y-%m-01T00:00:00Z` (monthly), UTC. Nil outside years 1…9999, where Python raises.
    ///
    /// The year is not zero-padded below 1000, as glibc's `strftime("%Y")` does not pad it.
    public func key(forMilliseconds milliseconds: Int128) -> String? {
        guard Self.covers(milliseconds) else { return nil }
        let seconds = Int64(PythonInteger.floorDivide(milliseconds, by: 1000))
        let days = floorDiv(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        let hour = secondOfDay / 3600
        switch self {
        case .hourly: return "\(year)-\(pad(month))-\(pad(day))T\(pad(hour)):00:00Z"
        case .daily: return "\(year)-\(pad(month))-\(pad(day))T00:00:00Z"
        case .monthly: return "\(year)-\(pad(month))-01T00:00:00Z"
        }
    }

    /// Whether every window has a key for this instant (years 1…9999).
    static func covers(_ milliseconds: Int128) -> Bool {
        milliseconds >= minimumMilliseconds && milliseconds <= maximumMilliseconds
    }

    private func pad(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b < 0) ? q - 1 : q
    }

    /// Howard Hinnant's `civil_from_days`: proleptic Gregorian date of a day count.
    private func civilDate(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let z = daysSinceEpoch + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
