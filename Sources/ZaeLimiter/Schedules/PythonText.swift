/// The few pieces of Python's `str` and `int()` behaviour the schedule decoder depends on, on
/// Unicode scalars (a Python `str` is a sequence of code points).
enum PythonText {
    /// Python's `str.isspace()`: the Unicode `White_Space` characters plus the four ASCII
    /// separators `\x1c`–`\x1f`, which Python also counts.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F,
            0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Python's `str.split()` with no argument: runs of whitespace separate, none are kept.
    static func splitOnWhitespace(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var fields: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in scalars {
            if isSpace(scalar) {
                if !current.isEmpty { fields.append(current) }
                current = []
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { fields.append(current) }
        return fields
    }

    /// Python's `str.upper()` (full Unicode case mapping, as Swift's `uppercased()` does).
    static func upper(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if scalars.allSatisfy({ $0.isASCII }) {
            return scalars.map { ("a"..."z").contains($0) ? Unicode.Scalar($0.value - 32)! : $0 }
        }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars)
        return Array(String(text).uppercased().unicodeScalars)
    }

    /// The decimal value of a Python `int()` text, as sign and ASCII digits with no leading
    /// zeros (`[]` is zero).
    struct Integer: Equatable {
        var negative: Bool
        var digits: [UInt8]

        /// The value if it lies in `Int64`, else nil.
        var int64: Int64? {
            guard digits.count <= 19 else { return nil }
            var magnitude: UInt64 = 0
            for digit in digits {
                let (times, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                let (plus, overflow2) = times.addingReportingOverflow(UInt64(digit))
                if overflow1 || overflow2 { return nil }
                magnitude = plus
            }
            if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
            return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
        }

        /// Whether the magnitude is at least the decimal `bound` (ASCII digits, no leading zeros).
        func magnitudeAtLeast(_ bound: String) -> Bool {
            let other = Array(bound.utf8).map { $0 - 48 }
            if digits.count != other.count { return digits.count > other.count }
            return digits.lexicographicallyPrecedes(other) == false
        }
    }

    /// Python 3.11's default `sys.get_int_max_str_digits()`: longer decimal texts raise
    /// `ValueError` in `int()`.
    static let maxIntegerDigits = 4300

    /// Python's `int(text)` in base 10: surrounding whitespace, one sign, any Unicode decimal
    /// digits, single underscores between digits. Nil where Python raises `ValueError`.
    static func parseInteger(_ scalars: some Collection<Unicode.Scalar>) -> Integer? {
        var items = Array(scalars)
        while let first = items.first, isSpace(first) { items.removeFirst() }
        while let last = items.last, isSpace(last) { items.removeLast() }
        var negative = false
        var position = 0
        if let first = items.first, first == "+" || first == "-" {
            negative = first == "-"
            position = 1
        }
        var digits: [UInt8] = []
        var count = 0
        var previousWasDigit = false
        while position < items.count {
            let scalar = items[position]
            position += 1
            if scalar == "_" {
                guard previousWasDigit else { return nil }
                previousWasDigit = false
                continue
            }
            guard let digit = decimalValue(scalar) else { return nil }
            count += 1
            previousWasDigit = true
            if digit != 0 || !digits.isEmpty { digits.append(digit) }
        }
        guard previousWasDigit, count <= maxIntegerDigits else { return nil }
        return Integer(negative: negative && !digits.isEmpty, digits: digits)
    }

    /// The value of a Unicode decimal digit (general category Nd), as Python's `int()` reads it.
    static func decimalValue(_ scalar: Unicode.Scalar) -> UInt8? {
        if scalar.isASCII {
            let value = scalar.value
            return value >= 48 && value <= 57 ? UInt8(value - 48) : nil
        }
        guard scalar.properties.numericType == .decimal, let value = scalar.properties.numericValue,
            value >= 0, value <= 9
        else { return nil }
        return UInt8(value)
    }
}
