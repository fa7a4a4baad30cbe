/// A decoded zae-limiter schedule (`sched` / `rsched` on a bucket item, or a per-limit
/// `b_{name}_sched` / `b_{name}_rsched`): entries in order, all in one time zone.
///
/// Mirrors `zae_limiter.schedule` 0.17.0: ``decode(_:timeZone:)`` and
/// ``decodeReset(_:timeZone:)`` accept and refuse exactly what `decode` / `decode_reset`
/// accept and refuse; ``effectiveParameters(capacity:refillAmount:refillPeriod:atMilliseconds:)``,
/// ``previousResetEdge(atMilliseconds:)``, ``nextResetEdge(atMilliseconds:)`` and
/// ``nextBoundary(schedule:reset:atMilliseconds:)`` compute what `effective_params`,
/// `prev_reset_edge`, `next_reset_edge` and `next_boundary` return. An empty schedule is
/// Python's `()`. Values are immutable and safe to share across threads.
public struct Schedule: Sendable, Equatable, Hashable {
    /// What an entry puts in force while its cron pattern matches.
    public enum Modifier: Sendable, Equatable, Hashable {
        /// `s`: scale capacity and refill amount by `perMille / 1000` (1…10⁹ per mille).
        case scale(perMille: Int64)
        /// `c` / `a` / `p`: absolute capacity and refill amount (tokens) and refill period
        /// (seconds); nil keeps the limit's own value.
        case absolute(capacity: Int64?, refillAmount: Int64?, refillPeriodSeconds: Int64?)
        /// An entry of a reset schedule: it names an instant and overrides nothing.
        case reset
    }

    /// One `;`-separated entry.
    public struct Entry: Sendable, Equatable, Hashable {
        public var cron: CronPattern
        public var modifier: Modifier
    }

    public let entries: [Entry]
    /// The zone every entry is evaluated in; nil only for the empty schedule.
    public let timeZone: ScheduleTimeZone?

    /// Python's `()`: no entries.
    public static let empty = Schedule(entries: [], timeZone: nil)

    public var isEmpty: Bool { entries.isEmpty }

    /// `schedule.decode(compact, tz)`. An empty string is the empty schedule (the zone is then
    /// not looked at, as in Python).
    public static func decode(_ compact: String, timeZone: String) throws(ScheduleError) -> Schedule {
        try CompactSchedule.decode(compact, timeZone: timeZone, reset: false)
    }

    /// `schedule.decode_reset(compact, tz)`: the same grammar without modifier tags.
    public static func decodeReset(_ compact: String, timeZone: String) throws(ScheduleError) -> Schedule {
        try CompactSchedule.decode(compact, timeZone: timeZone, reset: true)
    }

    init(entries: [Entry], timeZone: ScheduleTimeZone?) {
        self.entries = entries
        self.timeZone = timeZone
    }

    /// The limit parameters in force at an instant, in milli-units and milliseconds.
    public struct Parameters: Sendable, Equatable, Hashable {
        public var capacity: Int128
        public var refillAmount: Int128
        public var refillPeriod: Int128

        public init(capacity: Int128, refillAmount: Int128, refillPeriod: Int128) {
            self.capacity = capacity
            self.refillAmount = refillAmount
            self.refillPeriod = refillPeriod
        }
    }

    /// `effective_params(cp, ra, rp, sched, now_ms)`: the first entry whose pattern matches the
    /// local minute wins; no match (or no entries) returns the base unchanged.
    ///
    /// Throws ``ScheduleError/Kind/outOfRange`` for an instant outside
    /// ``ScheduleTimeZone/supportedRange`` or a scaled value beyond `Int128`.
    public func effectiveParameters(
        capacity: Int128, refillAmount: Int128, refillPeriod: Int128, atMilliseconds now: Int64
    ) throws(ScheduleError) -> Parameters {
        let base = Parameters(capacity: capacity, refillAmount: refillAmount, refillPeriod: refillPeriod)
        guard let index = try activeEntryIndex(atMilliseconds: now) else { return base }
        return try Self.entryParameters(entries[index].modifier, base: base)
    }

    /// The index of the first entry matching the local minute of `now`, or nil.
    public func activeEntryIndex(atMilliseconds now: Int64) throws(ScheduleError) -> Int? {
        guard let zone = timeZone else { return nil }
        try Self.checkInstant(now)
        return ScheduleScan(self, zone).activeIndex(now)
    }

    /// `entry_params`: what one entry's modifier makes of the base parameters.
    public static func entryParameters(_ modifier: Modifier, base: Parameters) throws(ScheduleError) -> Parameters {
        switch modifier {
        case .reset:
            return base
        case .absolute(let capacity, let refillAmount, let refillPeriodSeconds):
            return Parameters(
                capacity: capacity.map { Int128($0) * 1000 } ?? base.capacity,
                refillAmount: refillAmount.map { Int128($0) * 1000 } ?? base.refillAmount,
                refillPeriod: refillPeriodSeconds.map { Int128($0) * 1000 } ?? base.refillPeriod)
        case .scale(let perMille):
            // Python: scale = int(s) / 1000 (a float), then int(cp_milli * scale), truncating.
            let scale = Double(perMille) / 1000
            let capacity = try truncatedProduct(base.capacity, scale)
            let refill = base.refillAmount == 0 ? 0 : max(1, try truncatedProduct(base.refillAmount, scale))
            return Parameters(capacity: max(1, capacity), refillAmount: refill, refillPeriod: base.refillPeriod)
        }
    }

    private static func truncatedProduct(_ value: Int128, _ scale: Double) throws(ScheduleError) -> Int128 {
        let product = (Double(value) * scale).rounded(.towardZero)
        guard let result = Int128(exactly: product) else {
            throw ScheduleError(.outOfRange, "scaled limit \(value) x \(scale) is beyond Int128")
        }
        return result
    }

    static func checkInstant(_ now: Int64) throws(ScheduleError) {
        guard ScheduleTimeZone.supportedRange.contains(now) else {
            throw ScheduleError(.outOfRange, "instant \(now) ms is outside the supported years 1900-2200")
        }
    }
}
