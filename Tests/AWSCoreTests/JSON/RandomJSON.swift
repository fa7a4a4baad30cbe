import TestPeers

/// Random valid JSON for the structural skip's tests: nested objects and arrays, DynamoDB's
/// compact `"name":{"S":"text"}` members, strings full of escapes (runs of backslashes, escaped
/// quotes, `\u` escapes and surrogate pairs), brackets inside strings and raw non-ASCII text.
enum RandomJSON {
    /// A member: its name's raw bytes (between the quotes) and its whole text (name to value).
    struct Member {
        var name: [UInt8]
        var text: [UInt8]
    }

    static let stringPieces = [
        "a", "PK", "é", "日本", "😀", #"\""#, #"\\"#, #"\\\\"#, #"\/"#, #"\n"#, #"\t"#, #"\u00e9"#, #"\u007B"#,
        #"\ud83d\ude00"#, "{", "}", "[", "]", ",", ":", " ", "0123456789abcdef",
    ]

    static func string(using rng: inout SeededRandom) -> [UInt8] {
        let count = Int.random(in: 0..<8, using: &rng)
        return Array((0..<count).map { _ in stringPieces.randomElement(using: &rng)! }.joined().utf8)
    }

    static func space(_ compact: Bool, using rng: inout SeededRandom) -> [UInt8] {
        compact ? [] : Array([" ", "", "\n", "\t ", "  "].randomElement(using: &rng)!.utf8)
    }

    static func members(depth: Int, compact: Bool, using rng: inout SeededRandom) -> [Member] {
        (0..<Int.random(in: 0..<7, using: &rng)).map { _ in
            // Most names plain (the compact path), some escaped.
            let name =
                Int.random(in: 0..<3, using: &rng) == 0 ? string(using: &rng) : Array("n\(rng.next() % 100)".utf8)
            var text = [0x22] + name + [0x22] + space(compact, using: &rng) + [UInt8(ascii: ":")]
            text += space(compact, using: &rng) + value(depth: depth + 1, compact: compact, using: &rng)
            return Member(name: name, text: text)
        }
    }

    static func object(_ members: [Member], compact: Bool) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        for (index, member) in members.enumerated() {
            if index > 0 { bytes += compact ? [UInt8(ascii: ",")] : Array(", ".utf8) }
            bytes += member.text
        }
        return bytes + [UInt8(ascii: "}")]
    }

    static func value(depth: Int, compact: Bool, using rng: inout SeededRandom) -> [UInt8] {
        let nested = depth < 5
        switch Int.random(in: 0..<(nested ? 9 : 5), using: &rng) {
        case 0: return Array(["1", "-2.5e3", "0", "123456789012345678901234567890"].randomElement(using: &rng)!.utf8)
        case 1: return Array(["true", "false", "null"].randomElement(using: &rng)!.utf8)
        case 2: return [0x22] + string(using: &rng) + [0x22]
        case 3, 4:
            // DynamoDB's form of a scalar attribute value.
            let type = Bool.random(using: &rng) ? "S" : "N"
            return Array(#"{"\#(type)":""#.utf8) + string(using: &rng) + Array(#""}"#.utf8)
        case 5, 6: return object(members(depth: depth, compact: compact, using: &rng), compact: compact)
        default:
            let elements = (0..<Int.random(in: 0..<4, using: &rng)).map { _ in
                value(depth: depth + 1, compact: compact, using: &rng)
            }
            var bytes: [UInt8] = [UInt8(ascii: "[")]
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes += [UInt8(ascii: ",")] + space(compact, using: &rng) }
                bytes += element
            }
            return bytes + [UInt8(ascii: "]")]
        }
    }
}
