/// A DynamoDB number as the Lambda's archiver turns it into JSON: `int(text)` when Python's
/// `int` accepts the text, else `float(text)`, then written as `json.dumps` writes it.
enum PythonNumber: Equatable {
    /// The decimal digits Python prints for the integer (any size; `-` only when negative).
    case int(String)
    case float(Double)

    /// Parses `text` as Python's `int()` and then `float()` do; nil when both would raise
    /// (the archiver then reports the record). Only ASCII is accepted: Python also reads
    /// non-ASCII digits and whitespace, which DynamoDB never puts in a number.
    init?(_ text: String) {
        let bytes = Self.stripped(Array(text.utf8))
        if let digits = Self.integerDigits(bytes) {
            self = .int(digits)
        } else if let value = Self.floatValue(bytes) {
            self = .float(value)
        } else {
            return nil
        }
    }

    /// The JSON text `json.dumps` writes: the integer's digits, or the float's `repr`
    /// (`NaN`, `Infinity` and `-Infinity` for the non-finite values).
    var jsonText: String {
        switch self {
        case .int(let digits): return digits
        case .float(let value): return Self.jsonText(value)
        }
    }

    static func jsonText(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return repr(value)
    }

    /// Python's `repr(float)`: the shortest digits that read back as `value` (Swift's
    /// `description` finds the same digits), laid out as Python does: positional when the
    /// decimal exponent is in -4..<16, with `.0` for integral values; otherwise `d.ddde±XX`.
    static func repr(_ value: Double) -> String {
        let sign = value.sign == .minus ? "-" : ""
        if value == 0 { return sign + "0.0" }
        let (digits, point) = shortestDigits(value.magnitude)
        // `point` is where the decimal point goes: value = 0.digits × 10^point.
        if point <= -4 || point > 16 {
            let exponent = point - 1
            var text = sign + String(digits.first!)
            if digits.count > 1 { text += "." + digits.dropFirst() }
            let magnitude = String(abs(exponent))
            return text + (exponent < 0 ? "e-" : "e+") + (magnitude.count < 2 ? "0" + magnitude : magnitude)
        }
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + digits }
        if point >= digits.count { return sign + digits + String(repeating: "0", count: point - digits.count) + ".0" }
        let cut = digits.index(digits.startIndex, offsetBy: point)
        return sign + digits[..<cut] + "." + digits[cut...]
    }

    /// The significant digits of a positive finite value (no leading or trailing zeros) and
    /// the position of the decimal point relative to them, read off Swift's shortest
    /// round-trip `description` (`123.45`, `1e-05`, `1.2345e+16`).
    static func shortestDigits(_ value: Double) -> (digits: String, point: Int) {
        let text = value.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var integerPart = mantissa
        var fraction: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fraction = mantissa[mantissa.index(after: dot)...]
        }
        var digits = String(integerPart) + fraction
        var point = integerPart.count + exponent
        while digits.hasPrefix("0") {
            digits.removeFirst()
            point -= 1
        }
        while digits.hasSuffix("0") { digits.removeLast() }
        return (digits.isEmpty ? "0" : digits, point)
    }

    // MARK: Parsing as Python does

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte) || (0x1C...0x1F).contains(byte)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    private static func stripped(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        var slice = bytes[...]
        while let first = slice.first, isSpace(first) { slice.removeFirst() }
        while let last = slice.last, isSpace(last) { slice.removeLast() }
        return slice
    }

    /// `int(text)` in base 10: optional sign, digits with single `_` between digits; leading
    /// zeros allowed. Returns the canonical digits.
    private static func integerDigits(_ bytes: ArraySlice<UInt8>) -> String? {
        var rest = bytes
        var negative = false
        if let first = rest.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            negative = first == UInt8(ascii: "-")
            rest.removeFirst()
        }
        guard let digits = digitPart(rest) else { return nil }
        let significant = digits.drop { $0 == UInt8(ascii: "0") }
        if significant.isEmpty { return "0" }
        return (negative ? "-" : "") + String(decoding: significant, as: UTF8.self)
    }

    /// The digits of a whole `digitpart` (digit (["_"] digit)*), or nil when `bytes` is not one.
    private static func digitPart(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        guard let first = bytes.first, isDigit(first), let last = bytes.last, isDigit(last) else { return nil }
        var digits: [UInt8] = []
        var previousUnderscore = false
        for byte in bytes {
            if isDigit(byte) {
                digits.append(byte)
                previousUnderscore = false
            } else if byte == UInt8(ascii: "_"), !previousUnderscore {
                previousUnderscore = true
            } else {
                return nil
            }
        }
        return digits
    }

    /// `float(text)`: `[sign] (digitpart [. [digitpart]] | . digitpart) [e [sign] digitpart]`,
    /// or `inf`, `infinity`, `nan` in any case. No hexadecimal (Swift's parser would take it).
    private static func floatValue(_ bytes: ArraySlice<UInt8>) -> Double? {
        var rest = bytes
        var sign = ""
        if let first = rest.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            if first == UInt8(ascii: "-") { sign = "-" }
            rest.removeFirst()
        }
        let word = String(decoding: rest, as: UTF8.self).lowercased()
        if word == "inf" || word == "infinity" { return sign == "-" ? -.infinity : .infinity }
        if word == "nan" { return .nan }
        var mantissa = rest
        var exponentText = ""
        if let e = rest.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            mantissa = rest[..<e]
            var exponent = rest[(e + 1)...]
            var exponentSign = ""
            if let first = exponent.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
                exponentSign = first == UInt8(ascii: "-") ? "-" : ""
                exponent.removeFirst()
            }
            guard let digits = digitPart(exponent) else { return nil }
            exponentText = "e" + exponentSign + String(decoding: digits, as: UTF8.self)
        }
        var integerDigits: [UInt8] = []
        var fractionDigits: [UInt8] = []
        if let dot = mantissa.firstIndex(of: UInt8(ascii: ".")) {
            let before = mantissa[..<dot]
            let after = mantissa[(dot + 1)...]
            if !before.isEmpty {
                guard let digits = digitPart(before) else { return nil }
                integerDigits = digits
            }
            if !after.isEmpty {
                guard let digits = digitPart(after) else { return nil }
                fractionDigits = digits
            }
            guard !integerDigits.isEmpty || !fractionDigits.isEmpty else { return nil }
        } else {
            guard let digits = digitPart(mantissa) else { return nil }
            integerDigits = digits
        }
        let normalized =
            sign + (integerDigits.isEmpty ? "0" : String(decoding: integerDigits, as: UTF8.self)) + "."
            + (fractionDigits.isEmpty ? "0" : String(decoding: fractionDigits, as: UTF8.self)) + exponentText
        return Double(normalized)
    }
}
