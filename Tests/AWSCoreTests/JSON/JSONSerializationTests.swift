import Foundation
import Testing

@testable import AWSCore

@Suite struct JSONSerializationTests {
    @Test func writesCompactJSONInMemberOrder() {
        let value = JSONValue.object([
            ("b", .array([.number("1"), .number("-2.50e+3"), .bool(true), .bool(false), .null])),
            ("a", .object([])), ("c", .string("")),
        ])
        #expect(value.serializedString() == #"{"b":[1,-2.50e+3,true,false,null],"a":{},"c":""}"#)
    }

    @Test func escapesQuotesBackslashesAndControlCharacters() {
        let text = "q\"b\\s/\u{08}\u{0C}\n\r\t\u{0}\u{1F}\u{7F}é😀"
        let serialized = JSONValue.string(text).serializedString()
        #expect(serialized == #""q\"b\\s/\b\f\n\r\t\u0000\u001f"# + "\u{7F}é😀\"")
        // Foundation reads back the same string: the escaping is valid JSON.
        let decoded = try? JSONSerialization.jsonObject(with: Data(serialized.utf8), options: .fragmentsAllowed)
        #expect(decoded as? String == text)
    }

    @Test func escapesMemberNames() throws {
        let value = JSONValue.object([("a\"\n😀", .string("v"))])
        #expect(try JSONValue.parse(value.serializedBytes()) == value)
    }

    @Test func roundTripsEveryControlCharacter() throws {
        let all = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self)
        let value = JSONValue.array([.string(all), .object([(all, .string(all))])])
        #expect(try JSONValue.parse(value.serializedBytes()) == value)
    }

    /// The writer copies the runs between escapes whole: on random strings dense with escapes
    /// (first, last, adjacent, alone) it writes exactly what escaping byte by byte writes.
    @Test func copiedRunsMatchByteByByteEscaping() {
        let pieces = [
            "\"", "\\", "\n", "\r", "\u{8}", "\u{0C}", "\u{0}", "\u{1F}", "\t", "a", "bc", "/", "\u{7F}", "é", "😀",
            "defghijklmnop",
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let count = Int.random(in: 0...12, using: &generator)
            let text = (0..<count).map { _ in pieces.randomElement(using: &generator)! }.joined()
            var written: [UInt8] = []
            JSONValue.writeString(text, to: &written)
            #expect(written == Self.escapedByteByByte(text), "\(text.debugDescription)")
        }
    }

    /// JSON string escaping written out one byte at a time, the plain definition.
    static func escapedByteByByte(_ text: String) -> [UInt8] {
        var out: [UInt8] = [0x22]
        for byte in text.utf8 {
            switch byte {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x08: out += Array("\\b".utf8)
            case 0x0C: out += Array("\\f".utf8)
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0..<0x20: out += Array(String(format: "\\u%04x", Int(byte)).utf8)
            default: out.append(byte)
            }
        }
        return out + [0x22]
    }
}
