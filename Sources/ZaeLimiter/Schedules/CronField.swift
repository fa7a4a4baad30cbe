/// One member of a cronsim field set: a plain value, or one of the extended tokens cronsim
/// accepts and zae-limiter rejects afterwards (`L`, `LW`, `5L`, `FRI#2`).
enum CronItem: Hashable {
    case value(Int)
    case last
    case lastWeekday
    case weekdayTuple(Int, Int)

    var plain: Int? {
        if case .value(let value) = self { return value }
        return nil
    }

    /// The value Python's `min()` sees: cronsim's sentinels are -1000 and -1001.
    var sortKey: Int {
        switch self {
        case .value(let value): return value
        case .last: return -1000
        case .lastWeekday: return -1001
        case .weekdayTuple: return Int.max
        }
    }
}

/// cronsim 2.x's `Field` parser for the five fields zae-limiter uses, on upper-cased text.
enum CronField {
    case minute, hour, day, month, weekday

    static let daysInMonth = [-1, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    var name: String {
        switch self {
        case .minute: return "minute"
        case .hour: return "hour"
        case .day: return "day-of-month"
        case .month: return "month"
        case .weekday: return "day-of-week"
        }
    }

    var range: ClosedRange<Int> {
        switch self {
        case .minute: return 0...59
        case .hour: return 0...23
        case .day: return 1...31
        case .month: return 1...12
        case .weekday: return 0...7
        }
    }

    /// cronsim's `_int`: ASCII digits only, not empty. Saturates instead of growing without
    /// bound (Python's int is unbounded; every use compares against a small range or a step).
    static func integer(_ text: ArraySlice<Unicode.Scalar>) -> Int? {
        guard !text.isEmpty else { return nil }
        var value = 0
        for scalar in text {
            guard scalar.isASCII, scalar.value >= 48, scalar.value <= 57 else { return nil }
            value = min(value * 10 + Int(scalar.value - 48), 1_000_000_000)
        }
        // Python's int() refuses texts over 4300 digits (ValueError, like cronsim's own errors).
        return text.count <= PythonText.maxIntegerDigits ? value : nil
    }

    /// cronsim's `Field.int`: a name (month or weekday fields), else a number within range.
    func value(_ text: ArraySlice<Unicode.Scalar>) -> Int? {
        let word = String(String.UnicodeScalarView(text))
        if self == .month, let index = Self.monthNames.firstIndex(of: word) { return index + 1 }
        if self == .weekday, let index = Self.dayNames.firstIndex(of: word) { return index }
        guard let number = Self.integer(text), range.contains(number) else { return nil }
        return number
    }

    /// cronsim's `Field.parse`, branch for branch; nil where cronsim raises.
    func parse(_ text: [Unicode.Scalar]) -> [CronItem]? {
        parse(text[...]).map { Array(Set($0)) }
    }

    private func parse(_ text: ArraySlice<Unicode.Scalar>) -> [CronItem]? {
        if text.elementsEqual(["*"]) { return range.map(CronItem.value) }
        if text.contains(",") {
            var result: [CronItem] = []
            for term in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard let items = parse(term) else { return nil }
                result += items
            }
            return result
        }
        if self == .weekday, text.contains("L") {
            let head = text.dropLast()
            // `str.isdigit()` then `Field.int`: every text that passes both is ASCII digits.
            guard let day = value(head), Self.integer(head) != nil else { return nil }
            return [.weekdayTuple(day, -1000)]
        }
        if text.contains("#"), self == .weekday {
            let hash = text.firstIndex(of: "#")!
            guard let nth = Self.integer(text[(hash + 1)...]), nth >= 1, nth <= 5,
                let day = value(text[..<hash])
            else { return nil }
            return [.weekdayTuple(day, nth)]
        }
        if let slash = text.firstIndex(of: "/") {
            let term = text[..<slash]
            guard let step = Self.integer(text[(slash + 1)...]), step != 0, let items = parse(term) else {
                return nil
            }
            let unique = Set(items)
            if unique == [.last] || unique == [.lastWeekday] { return Array(unique) }
            if unique.count == 1, !term.contains("-"), case .value(let start) = unique.first! {
                return Swift.stride(from: start, through: range.upperBound, by: step).map(CronItem.value)
            }
            let sorted = unique.sorted { $0.sortKey < $1.sortKey }
            return Swift.stride(from: 0, to: sorted.count, by: step).map { sorted[$0] }
        }
        if let dash = text.firstIndex(of: "-") {
            guard let start = value(text[..<dash]), let end = value(text[(dash + 1)...]), end >= start else {
                return nil
            }
            return (start...end).map(CronItem.value)
        }
        if self == .day, text.elementsEqual(["L", "W"]) { return [.lastWeekday] }
        if self == .day, text.elementsEqual(["L"]) { return [.last] }
        return value(text).map { [.value($0)] }
    }
}
