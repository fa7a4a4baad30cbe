import AWSCore

/// Writes JSON byte for byte as Python's `json.dumps(value, separators=(",", ":"))` does with
/// its defaults (`ensure_ascii=True`, `allow_nan=True`).
struct PythonJSONWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ text: String) { bytes += text.utf8 }
    mutating func raw(_ byte: UInt8) { bytes.append(byte) }

    /// A string with `ensure_ascii`: `"` and `\` escaped, `\n \r \t \b \f` by name, every other
    /// scalar outside space…`~` (control characters and DEL included) as `\uXXXX` in lowercase
    /// hex, scalars beyond the BMP as a surrogate pair.
    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            let value = scalar.value
            switch value {
            case 0x22: bytes += #"\""#.utf8
            case 0x5C: bytes += #"\\"#.utf8
            case 0x0A: bytes += #"\n"#.utf8
            case 0x0D: bytes += #"\r"#.utf8
            case 0x09: bytes += #"\t"#.utf8
            case 0x08: bytes += #"\b"#.utf8
            case 0x0C: bytes += #"\f"#.utf8
            case 0x20...0x7E: bytes.append(UInt8(value))
            case 0x10000...:
                let offset = value - 0x10000
                escape(0xD800 + (offset >> 10))
                escape(0xDC00 + (offset & 0x3FF))
            default: escape(value)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ unit: UInt32) {
        let digits = Array("0123456789abcdef".utf8)
        bytes += #"\u"#.utf8
        for shift in stride(from: 12, through: 0, by: -4) { bytes.append(digits[Int((unit >> UInt32(shift)) & 0xF)]) }
    }

    /// Any parsed JSON value as `json.dumps(json.loads(text))` would write it: numbers with a
    /// `.`, `e` or `E` become floats, others integers; a repeated member name keeps its first
    /// position and its last value, as a Python dict built from the document does.
    mutating func value(_ value: JSONValue) {
        switch value {
        case .string(let text): string(text)
        case .bool(let flag): raw(flag ? "true" : "false")
        case .null: raw("null")
        case .number(let text):
            if text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                raw(PythonNumber.jsonText(Double(text) ?? .nan))
            } else {
                raw(PythonNumber(text)?.jsonText ?? text)
            }
        case .array(let elements):
            raw(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { raw(UInt8(ascii: ",")) }
                self.value(element)
            }
            raw(UInt8(ascii: "]"))
        case .object(let members):
            raw(UInt8(ascii: "{"))
            for (index, member) in Self.pythonDictionary(members).enumerated() {
                if index > 0 { raw(UInt8(ascii: ",")) }
                string(member.key)
                raw(UInt8(ascii: ":"))
                self.value(member.value)
            }
            raw(UInt8(ascii: "}"))
        }
    }

    /// Members as a Python dict holds them: each name once, at its first position, with its
    /// last value.
    static func pythonDictionary(_ members: [(key: String, value: JSONValue)]) -> [(key: String, value: JSONValue)] {
        var seen: [String: Int] = [:]
        var result: [(key: String, value: JSONValue)] = []
        for member in members {
            if let index = seen[member.key] {
                result[index].value = member.value
            } else {
                seen[member.key] = result.count
                result.append(member)
            }
        }
        return result
    }
}
