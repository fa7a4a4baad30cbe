/// zae-limiter's boundary and edge scans (`_next_param_change`, `_next_rising_edge`,
/// `_prev_rising_edge` and their probe helpers), step for step over one schedule's entries in
/// its zone. Probes are local calendar unit starts (minute, hour or day, from the finest field
/// any entry constrains), so no local unit is skipped however DST bends the clock.
struct ScheduleScan {
    enum Unit {
        case minute, hour, day

        var seconds: Int64 {
            switch self {
            case .minute: return 60
            case .hour: return 3_600
            case .day: return 86_400
            }
        }
    }

    static let minute: Int64 = 60_000
    static let day: Int64 = 86_400_000

    let patterns: [CronPattern]
    let zone: ScheduleTimeZone

    init(_ schedule: Schedule, _ zone: ScheduleTimeZone) {
        patterns = schedule.entries.map(\.cron)
        self.zone = zone
    }

    // MARK: matching

    func local(_ milliseconds: Int64) -> LocalTime {
        LocalTime(wall: zone.wallClock(atMilliseconds: milliseconds).wall)
    }

    func matches(_ pattern: CronPattern, _ milliseconds: Int64) -> Bool {
        let time = local(milliseconds)
        return pattern.matches(
            month: time.month, day: time.day, weekday: time.weekday, hour: time.hour, minute: time.minute)
    }

    func activeIndex(_ milliseconds: Int64) -> Int? {
        let time = local(milliseconds)
        return patterns.firstIndex {
            $0.matches(month: time.month, day: time.day, weekday: time.weekday, hour: time.hour, minute: time.minute)
        }
    }

    /// `_granularity`: the unit and scan cap for a set of patterns.
    static func granularity(_ patterns: [CronPattern]) -> (unit: Unit, cap: Int64) {
        if patterns.contains(where: \.constrainsMinute) { return (.minute, 7 * day) }
        if patterns.contains(where: \.constrainsHour) { return (.hour, 31 * day) }
        return (.day, 366 * day)
    }

    // MARK: local units

    /// `_unit_start`: the start of the local `unit` containing `milliseconds`.
    func unitStart(_ milliseconds: Int64, _ unit: Unit) -> Int64 {
        let (wall, fold) = zone.wallClock(atMilliseconds: milliseconds)
        let truncated = wall - (wall - floorDivide(wall, unit.seconds) * unit.seconds)
        return zone.utcSecond(wall: truncated, fold: fold) * 1000
    }

    /// `_unit_after`: the start of the local `unit` after the one containing `milliseconds`
    /// (wall-clock addition, which resets fold to 0).
    func unitAfter(_ milliseconds: Int64, _ unit: Unit) -> Int64 {
        let wall = zone.wallClock(atMilliseconds: milliseconds).wall + unit.seconds
        let truncated = floorDivide(wall, unit.seconds) * unit.seconds
        return zone.utcSecond(wall: truncated, fold: false) * 1000
    }

    static func floorMinute(_ milliseconds: Int64) -> Int64 { floorDivide(milliseconds, minute) * minute }

    /// `_next_probe`: the earliest local unit start strictly after `milliseconds`.
    func nextProbe(_ milliseconds: Int64, _ unit: Unit) -> Int64 {
        let start = Self.floorMinute(milliseconds)
        if unit == .minute { return start + Self.minute }
        return max(Self.floorMinute(unitAfter(milliseconds, unit)), start + Self.minute)
    }

    /// `_prev_probe`: the latest local unit start strictly before `milliseconds`.
    func previousProbe(_ milliseconds: Int64, _ unit: Unit) -> Int64 {
        let start = Self.floorMinute(milliseconds)
        if unit == .minute { return start - Self.minute }
        var previous = unitStart(start, unit)
        if previous >= start { previous = unitStart(start - Self.minute, unit) }
        return min(Self.floorMinute(previous), start - Self.minute)
    }

    // MARK: parameter boundaries

    /// `_next_param_change`: the first minute after `now` where the active entry changes, or
    /// `now + cap` when none is found within the cap.
    func nextParameterChange(_ now: Int64) -> Int64 {
        let (unit, cap) = Self.granularity(patterns)
        let current = activeIndex(now)
        let horizon = now + cap
        var low = Self.floorMinute(now)
        var probe = nextProbe(now, unit)
        while probe <= horizon {
            if activeIndex(probe) != current {
                var fine = low + Self.minute
                while fine < probe {
                    if activeIndex(fine) != current { return fine }
                    fine += Self.minute
                }
                return probe
            }
            low = probe
            probe = nextProbe(probe, unit)
        }
        return now + cap
    }
}
