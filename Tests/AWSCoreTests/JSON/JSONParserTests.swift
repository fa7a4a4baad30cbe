import Foundation
import Synchronization
import Testing

@testable import AWSCore

@Suite struct JSONParserTests {
    private func parse(_ text: String) throws(JSONParseError) -> JSONValue { try JSONValue.parse(text) }

    private func failure(_ bytes: [UInt8]) -> JSONParseError? {
        do {
            _ = try JSONValue.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    private func failure(_ text: String) -> JSONParseError? { failure(Array(text.utf8)) }

    @Test func parsesNestedDocumentPreservingMemberOrderAndDuplicates() throws {
        let value = try parse(#" { "b" : [1, true, false, null, "x"], "a": {}, "b": [] } "#)
        #expect(
            value
                == .object([
                    ("b", .array([.number("1"), .bool(true), .bool(false), .null, .string("x")])),
                    ("a", .object([])), ("b", .array([])),
                ]))
        #expect(value["a"] == .object([]))
    }

    @Test func acceptsScalarsAtTopLevel() throws {
        #expect(try parse("\"s\"") == .string("s"))
        #expect(try parse(" 0 ") == .number("0"))
        #expect(try parse("null") == .null)
    }

    @Test func keepsNumbersAsExactText() throws {
        for text in [
            "-0", "0.000", "1E+400", "-1e-400", "12345678901234567890123456789012345678",
            "1234567890123456789012345678901234567890", "3.14159265358979323846264338327950288", "2e0", "0.5E-3",
        ] {
            #expect(try parse(text) == .number(text))
            #expect(try parse("[\(text)]") == .array([.number(text)]))
        }
    }

    @Test func rejectsMalformedNumbers() {
        for text in [
            "01", "1.", ".1", "-", "+1", "1e", "1e+", "0x1", "NaN", "Infinity", "-Infinity", "1.e3", "--1", "1..2",
        ] {
            #expect(failure(text) != nil, "accepted \(text)")
        }
        #expect(failure("01") == JSONParseError(offset: 1, reason: .trailingData))
        #expect(failure("[1.]") == JSONParseError(offset: 3, reason: .invalidNumber))
    }

    @Test func decodesEveryEscape() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(try parse(#""a\u00e9\u20AC\u0000z""#) == .string("a\u{E9}\u{20AC}\u{0}z"))
        #expect(try parse(#""\ud83d\ude00 and \uD834\uDD1E""#) == .string("\u{1F600} and \u{1D11E}"))
        #expect(try parse(#""caf\u00e9 ☕ 😀""#) == .string("café ☕ 😀"))
    }

    @Test func rejectsBadEscapesAndLoneSurrogates() {
        #expect(failure(#""\x""#) == JSONParseError(offset: 1, reason: .invalidEscape))
        #expect(failure(#""\u12G4""#) == JSONParseError(offset: 5, reason: .invalidEscape))
        #expect(failure(#""ab\ud83d""#) == JSONParseError(offset: 3, reason: .loneSurrogate))
        #expect(failure(#""\ud83dx""#)?.reason == .loneSurrogate)
        #expect(failure(#""\ud83d\u0041""#)?.reason == .loneSurrogate)
        #expect(failure(#""\ude00""#)?.reason == .loneSurrogate)
        #expect(failure(#""\u12""#)?.reason == .invalidEscape)
        #expect(failure(#""\u12"#)?.reason == .unexpectedEnd)
    }

    @Test func rejectsRawControlCharactersInStrings() {
        #expect(failure("\"a\nb\"") == JSONParseError(offset: 2, reason: .controlCharacterInString))
        #expect(failure("\"a\\n\tb\"")?.reason == .controlCharacterInString)
    }

    @Test func validatesUTF8() throws {
        #expect(try JSONValue.parse([0x22, 0xC3, 0xA9, 0x22]) == .string("é"))
        let bad: [[UInt8]] = [
            [0xC0, 0x80],  // overlong NUL
            [0xE0, 0x80, 0x80],  // overlong
            [0xED, 0xA0, 0x80],  // UTF-16 surrogate
            [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
            [0xF5, 0x80, 0x80, 0x80], [0xFF], [0x80],  // never valid / lone continuation
            [0xE2, 0x82],  // truncated
            [0xC3, 0x28],  // bad continuation
        ]
        for sequence in bad {
            #expect(failure([0x22, 0x61] + sequence + [0x22]) == JSONParseError(offset: 2, reason: .invalidUTF8))
            // The same bytes after an escape take the slow path; it must validate too.
            #expect(failure([0x22, 0x5C, 0x6E] + sequence + [0x22])?.reason == .invalidUTF8)
        }
    }

    /// The string scanner reads sixteen bytes at a time; put each special byte at every position
    /// of the first chunks so that both the chunk test and the byte-by-byte tail see it.
    @Test func findsSpecialBytesAtEveryPositionOfAWord() throws {
        for position in 0..<40 {
            let before = String(repeating: "a", count: position)
            let after = String(repeating: "b", count: 39 - position)
            #expect(try parse("\"\(before)\"") == .string(before))
            #expect(try parse("\"\(before)\\n\(after)\"") == .string(before + "\n" + after))
            #expect(try parse("\"\(before)é\(after)\"") == .string(before + "é" + after))
            #expect(try parse("\"\(before)\\\"\(after)\"") == .string(before + "\"" + after))
            #expect(
                failure("\"\(before)\u{1}\(after)\"")
                    == JSONParseError(offset: 1 + position, reason: .controlCharacterInString))
            let invalid = [0x22] + Array(before.utf8) + [0xFF] + Array(after.utf8) + [0x22]
            #expect(failure(invalid) == JSONParseError(offset: 1 + position, reason: .invalidUTF8))
            let truncated = [0x22] + Array(before.utf8) + [0xE2, 0x82]
            #expect(failure(truncated)?.reason == .unexpectedEnd)
        }
    }

    @Test func limitsDepth() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(try parse(ok) != .null)
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(failure(deep) == JSONParseError(offset: 512, reason: .tooDeep))
        let deepObjects = String(repeating: #"{"a":"#, count: 600) + "1" + String(repeating: "}", count: 600)
        #expect(failure(deepObjects)?.reason == .tooDeep)
        // A very deep document is rejected, not a stack overflow.
        #expect(failure(String(repeating: "[", count: 1_000_000))?.reason == .tooDeep)
    }

    /// Threads can have stacks smaller than Linux's default 8 MiB: the deepest accepted document
    /// (and the first rejected one) must fit in 1 MiB even in a debug build (release needs less
    /// than 128 KiB: `Benchmarks json stack`).
    @Test func maximumDepthFitsASmallThreadStack() {
        let depth = JSONReader.defaultMaxDepth
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let objects = String(repeating: #"{"k":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        let tooDeep = String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)
        let outcome = Mutex<[Bool]>([])
        let thread = Thread {
            let results = [arrays, objects, tooDeep].map { (try? JSONValue.parse($0)) != nil }
            outcome.withLock { $0 = results }
        }
        thread.stackSize = 1024 * 1024
        thread.start()
        while !thread.isFinished { usleep(1000) }
        #expect(outcome.withLock { $0 } == [true, true, false])
    }

    @Test func rejectsStructuralErrorsWithOffsets() {
        #expect(failure("") == JSONParseError(offset: 0, reason: .unexpectedEnd))
        #expect(failure("  ") == JSONParseError(offset: 2, reason: .unexpectedEnd))
        #expect(failure("[1,]") == JSONParseError(offset: 3, reason: .unexpectedByte(UInt8(ascii: "]"))))
        #expect(failure(#"{"a" 1}"#) == JSONParseError(offset: 5, reason: .unexpectedByte(UInt8(ascii: "1"))))
        #expect(failure(#"{"a":1,}"#) != nil)
        #expect(failure(#"{a:1}"#) != nil)
        #expect(failure("[1 2]") == JSONParseError(offset: 3, reason: .unexpectedByte(UInt8(ascii: "2"))))
        #expect(failure("{} x") == JSONParseError(offset: 3, reason: .trailingData))
        #expect(failure("tru") == JSONParseError(offset: 3, reason: .unexpectedEnd))
        #expect(failure("nul1") == JSONParseError(offset: 3, reason: .unexpectedByte(UInt8(ascii: "1"))))
        #expect(failure("\"abc") == JSONParseError(offset: 4, reason: .unexpectedEnd))
        #expect(failure("[\"a\\") != nil)
        #expect(failure("'a'") != nil)
        #expect(failure("\u{FEFF}{}") != nil)
    }

    @Test func parsesFromRawBufferLikeFromArray() throws {
        let bytes = Array(#"{"k":["v",2]}"#.utf8)
        let fromBuffer = try bytes.withUnsafeBytes { try JSONValue.parse($0) }
        #expect(fromBuffer == (try JSONValue.parse(bytes)))
        #expect(throws: JSONParseError(offset: 0, reason: .unexpectedEnd)) {
            try JSONValue.parse(UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }

    @Test func agreesWithFoundationOnValidDocuments() throws {
        let text = #"{"s":"x\u00e9\ud83d\ude00\n","n":[1,-2.5,3e2],"t":true,"z":null,"o":{"k":"v"}}"#
        let ours = try parse(text)
        let theirs = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        #expect(ours["s"]?.stringValue == theirs["s"] as? String)
        #expect(ours["o"]?["k"]?.stringValue == (theirs["o"] as? [String: Any])?["k"] as? String)
        #expect(
            ours["n"]?.arrayValue?.map { Double($0.numberText!)! } == (theirs["n"] as? [NSNumber])?.map(\.doubleValue))
    }
}
