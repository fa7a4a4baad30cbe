/// One cron expression expanded into field sets, as zae-limiter's `parse_cron` builds them with
/// cronsim 2.x: minute, hour, day-of-month, month and ISO weekday (Monday 1 … Sunday 7) sets and
/// cronsim's `day_and` flag (both day fields must match when either starts with `*`).
///
/// Only ``parse(_:)`` builds one, so every pattern holds non-empty sets.
public struct CronPattern: Sendable, Equatable, Hashable {
    /// Bit `m` set when minute `m` (0…59) matches.
    public var minutes: UInt64
    /// Bit `h` set when hour `h` (0…23) matches.
    public var hours: UInt32
    /// Bit `d` set when day-of-month `d` (1…31) matches.
    public var days: UInt32
    /// Bit `m` set when month `m` (1…12) matches.
    public var months: UInt16
    /// Bit `w` set when ISO weekday `w` (1 = Monday … 7 = Sunday) matches.
    public var weekdays: UInt8
    /// cronsim's `day_and`: day-of-month AND weekday when true, OR when false.
    public var dayAnd: Bool

    /// Whether the local calendar minute matches (`weekday` is ISO, 1 = Monday).
    func matches(month: Int, day: Int, weekday: Int, hour: Int, minute: Int) -> Bool {
        guard minutes & (1 << UInt64(minute)) != 0, hours & (1 << UInt32(hour)) != 0,
            months & (1 << UInt16(month)) != 0
        else { return false }
        return dayMatches(day: day, weekday: weekday)
    }

    func dayMatches(day: Int, weekday: Int) -> Bool {
        let dayOfMonth = days & (1 << UInt32(day)) != 0
        let dayOfWeek = weekdays & (1 << UInt8(weekday)) != 0
        return dayAnd ? (dayOfMonth && dayOfWeek) : (dayOfMonth || dayOfWeek)
    }

    var constrainsMinute: Bool { minutes.nonzeroBitCount < 60 }
    var constrainsHour: Bool { hours.nonzeroBitCount < 24 }

    /// zae-limiter's `cycle_seconds`: the gap bound read off the coarsest constrained field.
    var cycleSeconds: Int64 {
        if months.nonzeroBitCount < 12 { return 366 * 86_400 }
        if days.nonzeroBitCount < 31 { return 31 * 86_400 }
        if weekdays.nonzeroBitCount < 7 { return 7 * 86_400 }
        if hours.nonzeroBitCount < 24 { return 86_400 }
        if minutes.nonzeroBitCount < 60 { return 3_600 }
        return 60
    }

    /// Parses a cron expression as `parse_cron` does after its time zone check: exactly five
    /// whitespace-separated fields, cronsim's grammar (numbers, `*`, `a-b`, `x/step`, lists,
    /// `JAN`…`DEC` and `SUN`…`SAT` in any case), and no `L`, `W` or `#` tokens.
    static func parse(_ expression: [Unicode.Scalar]) throws(ScheduleError) -> CronPattern {
        let text = String(String.UnicodeScalarView(expression))
        let fields = PythonText.splitOnWhitespace(PythonText.upper(expression))
        guard PythonText.splitOnWhitespace(expression).count == 5, fields.count == 5 else {
            throw .invalid("invalid cron expression \(text.debugDescription): exactly 5 fields are required")
        }
        let dayAnd = fields[2].first == "*" || fields[4].first == "*"
        func field(_ kind: CronField, _ index: Int) throws(ScheduleError) -> [CronItem] {
            guard let items = kind.parse(fields[index]) else {
                throw .invalid("invalid cron expression \(text.debugDescription): bad \(kind.name)")
            }
            return items
        }
        let minutes = try field(.minute, 0)
        let hours = try field(.hour, 1)
        let days = try field(.day, 2)
        let months = try field(.month, 3)
        let weekdays = try field(.weekday, 4)
        let monthValues = months.compactMap(\.plain)
        if dayAnd, let smallest = days.map(\.sortKey).min(), smallest > 29 {
            let longest = monthValues.map { CronField.daysInMonth[$0] }.max() ?? 0
            if smallest > longest {
                throw .invalid("invalid cron expression \(text.debugDescription): bad day-of-month")
            }
        }
        func plain(_ items: [CronItem], _ name: String) throws(ScheduleError) -> [Int] {
            var values: [Int] = []
            for item in items {
                guard let value = item.plain else {
                    throw .invalid(
                        "cron \(name) field uses an extended token (L, W, or #), which is not supported")
                }
                values.append(value)
            }
            return values
        }
        let dayValues = try plain(days, "day-of-month")
        let weekdayValues = try plain(weekdays, "day-of-week")
        var pattern = CronPattern(minutes: 0, hours: 0, days: 0, months: 0, weekdays: 0, dayAnd: dayAnd)
        for value in minutes.compactMap(\.plain) { pattern.minutes |= 1 << UInt64(value) }
        for value in hours.compactMap(\.plain) { pattern.hours |= 1 << UInt32(value) }
        for value in dayValues { pattern.days |= 1 << UInt32(value) }
        for value in monthValues { pattern.months |= 1 << UInt16(value) }
        // cronsim spells Sunday 0 (and 7); isoweekday() spells it 7.
        for value in weekdayValues { pattern.weekdays |= 1 << UInt8(value == 0 ? 7 : value) }
        return pattern
    }
}
