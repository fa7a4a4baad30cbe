import Foundation

/// The S3 key of one archive object:
/// `{prefix}year=YYYY/month=MM/day=DD/audit-{shardId}-{sequenceNumber}-{timestamp}.jsonl.gz`.
///
/// The Lambda's key is `audit/year=…/month=…/day=…/audit-{request_id}-{timestamp}.jsonl.gz`
/// with the date and timestamp of the object's earliest event. Here every part comes from the
/// object's FIRST event in stream order (its record's shard and sequence number, its
/// `timestamp`), so the key is a function of that one record: a batch delivered again after a
/// crash writes the same key and replaces the object, whatever else the new batch holds (see
/// docs/exactly-once.md). A `timestamp` that is not an ISO date (Python's `fromisoformat` would
/// fail and the Lambda would use the current time) gives way to the record's
/// ApproximateCreationDateTime, which a replay reads again unchanged.
struct AuditObjectKey {
    var prefix: String
    var shardId: String
    var sequenceNumber: String
    /// The first event's `timestamp` attribute, when it has one.
    var timestamp: String?
    /// The first event's record's ApproximateCreationDateTime, epoch seconds.
    var approximateCreationDateTime: Double?

    var key: String {
        let (date, stamp): ((year: Int, month: Int, day: Int), String)
        if let timestamp, let parsed = Self.isoDate(timestamp) {
            date = parsed
            // The Lambda's file-name form: `:` → `-`, `+` dropped.
            stamp = timestamp.replacingOccurrences(of: ":", with: "-").replacingOccurrences(of: "+", with: "")
        } else {
            let seconds = Int((approximateCreationDateTime ?? 0).rounded(.down))
            let civil = Self.civil(secondsSinceEpoch: seconds)
            date = (civil.year, civil.month, civil.day)
            stamp = String(
                format: "%04d-%02d-%02dT%02d-%02d-%02dZ", civil.year, civil.month, civil.day, civil.hour,
                civil.minute, civil.second)
        }
        let month = date.month < 10 ? "0\(date.month)" : "\(date.month)"
        let day = date.day < 10 ? "0\(date.day)" : "\(date.day)"
        return
            "\(prefix)year=\(date.year)/month=\(month)/day=\(day)/audit-\(shardId)-\(sequenceNumber)-\(stamp).jsonl.gz"
    }

    /// Year, month and day of an ISO 8601 timestamp of the shapes zae-limiter and Python's
    /// `datetime.fromisoformat` agree on: `YYYY-MM-DD`, optionally followed by `T` or a space,
    /// `HH[:MM[:SS[.f{1,6}]]]` and `Z` or `±HH:MM`. The date is taken as written (Python does
    /// not convert to UTC either). Nil for anything else.
    static func isoDate(_ text: String) -> (year: Int, month: Int, day: Int)? {
        let b = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= b.count else { return nil }
            var value = 0
            for index in range {
                guard (0x30...0x39).contains(b[index]) else { return nil }
                value = value * 10 + Int(b[index] - 0x30)
            }
            return value
        }
        guard b.count >= 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), let year = digits(0..<4),
            let month = digits(5..<7), let day = digits(8..<10), year >= 1, (1...12).contains(month),
            (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        var i = 10
        if i == b.count { return (year, month, day) }
        guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: " ") else { return nil }
        i += 1
        guard let hour = digits(i..<i + 2), hour < 24 else { return nil }
        i += 2
        for limit in [60, 60] {
            guard i < b.count, b[i] == UInt8(ascii: ":") else { break }
            guard let part = digits(i + 1..<i + 3), part < limit else { return nil }
            i += 3
        }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            var count = 0
            i += 1
            while i < b.count, (0x30...0x39).contains(b[i]) {
                count += 1
                i += 1
            }
            guard (1...6).contains(count) else { return nil }
        }
        if i == b.count { return (year, month, day) }
        if b[i] == UInt8(ascii: "Z") { return i + 1 == b.count ? (year, month, day) : nil }
        guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), i + 6 == b.count,
            let offsetHours = digits(i + 1..<i + 3), offsetHours < 24, b[i + 3] == UInt8(ascii: ":"),
            let offsetMinutes = digits(i + 4..<i + 6), offsetMinutes < 60
        else { return nil }
        return (year, month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// UTC calendar fields of an epoch second (proleptic Gregorian, days-from-civil inverse).
    static func civil(secondsSinceEpoch: Int) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int)
    {
        let days = Int((Double(secondsSinceEpoch) / 86_400).rounded(.down))
        let secondOfDay = secondsSinceEpoch - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day, secondOfDay / 3600, secondOfDay % 3600 / 60, secondOfDay % 60)
    }
}
