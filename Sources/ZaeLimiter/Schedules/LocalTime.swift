/// A wall-clock reading broken into the calendar fields cron matches (proleptic Gregorian, as
/// Python's `datetime`).
struct LocalTime {
    var month: Int
    var day: Int
    /// ISO weekday, 1 = Monday … 7 = Sunday.
    var weekday: Int
    var hour: Int
    var minute: Int

    /// The fields of `wall` seconds since the local epoch (1970-01-01T00:00 wall time).
    init(wall: Int64) {
        let days = floorDivide(wall, 86_400)
        let secondOfDay = wall - days * 86_400
        hour = Int(secondOfDay / 3_600)
        minute = Int(secondOfDay % 3_600 / 60)
        // 1970-01-01 was a Thursday (ISO 4).
        weekday = Int(((days % 7) + 7 + 3) % 7) + 1
        // Civil-from-days (Howard Hinnant's algorithm), on 400-year eras from 0000-03-01.
        let shifted = days + 719_468
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
    }
}
