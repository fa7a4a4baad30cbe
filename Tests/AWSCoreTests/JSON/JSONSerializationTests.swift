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
}
