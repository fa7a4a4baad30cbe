/// Reset edges: a reset entry fires on the transition into matching (§3.6 of zae-limiter's
/// schedule design), found by the forward and backward scans below.
extension ScheduleScan {
    /// `_reset_scan`: the step from the finest constrained field, the horizon from the coarsest.
    static func resetScan(_ pattern: CronPattern) -> (unit: Unit, cap: Int64) {
        let (unit, cap) = granularity([pattern])
        return (unit, max(cap, pattern.cycleSeconds * 1000))
    }

    /// `_unreachable_block`: the largest local block around `milliseconds` that cannot match.
    func unreachableBlock(_ pattern: CronPattern, _ milliseconds: Int64) -> Unit? {
        let time = local(milliseconds)
        if pattern.months & (1 << UInt16(time.month)) == 0 { return .day }
        if !pattern.dayMatches(day: time.day, weekday: time.weekday) { return .day }
        if pattern.hours & (1 << UInt32(time.hour)) == 0 { return .hour }
        return nil
    }

    /// `_earliest_where`: the earliest minute at or after `start` whose match state is `want`.
    func earliest(_ pattern: CronPattern, want: Bool, from start: Int64, horizon: Int64, _ unit: Unit) -> Int64? {
        let first = -floorDivide(-start, Self.minute) * Self.minute
        if first <= horizon, matches(pattern, first) == want { return first }
        var probe = nextProbe(first, unit)
        while probe <= horizon {
            if matches(pattern, probe) == want { return probe }
            if want, let block = unreachableBlock(pattern, probe) {
                probe = max(Self.floorMinute(unitAfter(probe, block)), probe + Self.minute)
            } else {
                probe = nextProbe(probe, unit)
            }
        }
        return nil
    }

    /// `_latest_where`: the latest minute at or before `start` whose match state is `want`.
    ///
    /// Throws where zae-limiter 0.17.0 never returns: when a skipped block's local start does
    /// not lie below `high` (a wall-clock hour or day start inside a DST gap, seen in zones such
    /// as Pacific/Chatham), `high` stops moving and Python's loop repeats the same probe forever.
    func latest(
        _ pattern: CronPattern, want: Bool, from start: Int64, floor: Int64, _ unit: Unit
    ) throws(ScheduleError) -> Int64? {
        let first = Self.floorMinute(start)
        if first < floor { return nil }
        if matches(pattern, first) == want { return first }
        var high = first
        var probe = previousProbe(first, unit)
        while probe >= floor {
            if matches(pattern, probe) == want { return high - Self.minute }
            if want, let block = unreachableBlock(pattern, probe) {
                let skipped = min(high, Self.floorMinute(unitStart(probe, block)))
                guard skipped < high else {
                    throw ScheduleError(
                        .outOfRange,
                        "reset scan stalls at \(high) ms in \(zone.identifier) (zae-limiter 0.17.0 loops forever here)")
                }
                high = skipped
            } else {
                high = probe
            }
            probe = previousProbe(high, unit)
        }
        return nil
    }

    /// `_next_rising_edge` with the entry's own `_reset_scan`, and the cap it used.
    func nextRisingEdge(_ pattern: CronPattern, _ now: Int64) -> (edge: Int64?, cap: Int64) {
        let (unit, cap) = Self.resetScan(pattern)
        let horizon = now + cap
        var start = (floorDivide(now, Self.minute) + 1) * Self.minute
        if matches(pattern, now) {
            guard let gap = earliest(pattern, want: false, from: start, horizon: horizon, unit) else {
                return (nil, cap)
            }
            start = gap
        }
        return (earliest(pattern, want: true, from: start, horizon: horizon, unit), cap)
    }

    /// `_prev_rising_edge` with the entry's own `_reset_scan`.
    func previousRisingEdge(_ pattern: CronPattern, _ now: Int64) throws(ScheduleError) -> Int64? {
        let (unit, cap) = Self.resetScan(pattern)
        let floor = now - cap
        guard let on = try latest(pattern, want: true, from: now, floor: floor, unit),
            let off = try latest(pattern, want: false, from: on - Self.minute, floor: floor, unit)
        else { return nil }
        return off + Self.minute
    }
}
