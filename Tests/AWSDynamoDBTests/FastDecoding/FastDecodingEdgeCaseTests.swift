import AWSCore
import Foundation
import TestPeers
import Testing

@testable import AWSDynamoDB

/// Generated pages with what the corpus lacks: escapes, surrogate pairs, unicode names, deep
/// nesting, long numbers, empty collections, binaries. Each must decode identically on the
/// fast path, the reference path and Foundation, and to the values written here.
@Suite struct FastDecodingEdgeCaseTests {

    /// One record whose NewImage is `image` (a JSON object text of attribute values).
    static func record(
        id: String = "e1", sequence: String = "100", image: String, extra: String = "", data: String = ""
    ) -> String {
        #"{"eventID":"\#(id)","eventName":"MODIFY","eventVersion":"1.1","eventSource":"aws:dynamodb","#
            + #""awsRegion":"eu-west-1",\#(extra)"dynamodb":{"ApproximateCreationDateTime":1700000000,"#
            + #""Keys":{"PK":{"S":"k"}},"NewImage":\#(image),"SequenceNumber":"\#(sequence)","SizeBytes":42,"#
            + #"\#(data)"StreamViewType":"NEW_AND_OLD_IMAGES"}}"#
    }

    static func page(_ records: [String], next: String = #""NextShardIterator":"it-1""#) -> [UInt8] {
        Array((#"{"Records":["# + records.joined(separator: ",") + "]" + (next.isEmpty ? "" : ",") + next + "}").utf8)
    }

    /// Decodes on all three paths, requires agreement, returns the fast result.
    @discardableResult
    static func agreed(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> GetRecordsOutput {
        let fast = try GetRecordsDecoder.decode(bytes)
        let reference = try GetRecordsOutput(json: JSONValue.parse(bytes))
        let foundation = try FoundationOracle.decode(bytes)
        #expect(fast.records == reference.records, sourceLocation: sourceLocation)
        #expect(fast.records == foundation.records, sourceLocation: sourceLocation)
        #expect(fast.nextShardIterator == reference.nextShardIterator, sourceLocation: sourceLocation)
        #expect(fast.nextShardIterator == foundation.nextShardIterator, sourceLocation: sourceLocation)
        return fast
    }

    static func newImage(_ image: String) throws -> Item {
        try #require(try agreed(page([record(image: image)])).records.first?.newImage)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let image = try Self.newImage(
            #"{"a":{"S":"q\"b\\s\/l\b\f\n\r\t"},"u":{"S":"\u00e9\u20AC\u0000\u001f"},"#
                + #""p":{"S":"\ud83d\ude00x\uD834\uDD1E"},"raw":{"S":"café ☕ 😀"},"mix":{"S":"é\u00e9é"}}"#)
        #expect(image["a"] == .s("q\"b\\s/l\u{8}\u{C}\n\r\t"))
        #expect(image["u"] == .s("é€\u{0}\u{1F}"))
        #expect(image["p"] == .s("😀x\u{1D11E}"))
        #expect(image["raw"] == .s("café ☕ 😀"))
        #expect(image["mix"] == .s("ééé"))
    }

    @Test func decodesUnicodeAndEscapedNames() throws {
        let image = try Self.newImage(
            #"{"名前":{"S":"v1"},"ключ":{"N":"1"},"\u006b\u00e9y":{"S":"v2"},"😀":{"BOOL":false}}"#)
        #expect(image == ["名前": .s("v1"), "ключ": .n("1"), "kéy": .s("v2"), "😀": .bool(false)])
        // Escaped type and member names are still names.
        let escaped = try Self.agreed(
            Self.page([
                #"{"\u0065ventID":"x","eventName":"INSERT","dynamodb":{"Keys":{"k":{"\u0053":"v"}},"SequenceNumber":"1"}}"#
            ]))
        #expect(escaped.records.first?.eventID == "x")
        #expect(escaped.records.first?.keys == ["k": .s("v")])
    }

    @Test func decodesDeepNesting() throws {
        // 100 levels of alternating M and L: 300 JSON levels, under the 512 limit.
        var json = #"{"S":"leaf"}"#
        var expected = AttributeValue.s("leaf")
        for level in 0..<100 {
            if level % 2 == 0 {
                json = #"{"M":{"m":\#(json)}}"#
                expected = .m(["m": expected])
            } else {
                json = #"{"L":[\#(json),{"N":"\#(level)"}]}"#
                expected = .l([expected, .n(String(level))])
            }
        }
        #expect(try Self.newImage(#"{"deep":\#(json)}"#)["deep"] == expected)
        // Past the depth limit both paths refuse, with an error instead of a crash.
        let tooDeep = String(repeating: #"{"L":["#, count: 300) + #"{"S":"x"}"# + String(repeating: "]}", count: 300)
        let bytes = Self.page([Self.record(image: #"{"deep":\#(tooDeep)}"#)])
        #expect(throws: JSONParseError.self) { try GetRecordsDecoder.decode(bytes) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes) }
    }

    @Test func keepsLongNumbersAndSequenceNumbersExact() throws {
        let n38 = "12345678901234567890123456789012345678"
        let sequence = "9999999999999999999999999999999999999999"  // 40 digits
        let output = try Self.agreed(
            Self.page([
                Self.record(
                    id: "a", sequence: sequence,
                    image: #"{"n":{"N":"\#(n38)"},"neg":{"N":"-0.\#(n38)"},"e":{"N":"1.5E+125"},"t":{"N":"1e-130"}}"#),
                Self.record(id: "b", sequence: "00000000000000000000000000000000000000100", image: "{}"),
            ]))
        let image = try #require(output.records.first?.newImage)
        #expect(image["n"] == .n(n38))
        #expect(image["neg"] == .n("-0." + n38))
        #expect(image["e"] == .n("1.5E+125"))
        #expect(image["t"] == .n("1e-130"))
        #expect(output.records[0].sequenceNumber.description == sequence)
        #expect(output.records[1].sequenceNumber.description == "100")
        #expect(output.records[1].sequenceNumber < output.records[0].sequenceNumber)
    }

    @Test func decodesEmptyCollectionsAndEveryType() throws {
        let image = try Self.newImage(
            #"{"m":{"M":{}},"l":{"L":[]},"ss":{"SS":[]},"ns":{"NS":[]},"bs":{"BS":[]},"#
                + #""ss2":{"SS":["a","b"]},"ns2":{"NS":["1","-2.5"]},"t":{"BOOL":true},"z":{"NULL":true}}"#)
        #expect(
            image == [
                "m": .m([:]), "l": .l([]), "ss": .ss([]), "ns": .ns([]), "bs": .bs([]), "ss2": .ss(["a", "b"]),
                "ns2": .ns(["1", "-2.5"]), "t": .bool(true), "z": .null,
            ])
        #expect(try Self.newImage("{}") == [:])
    }

    @Test func decodesBinaries() throws {
        var rng = SeededRandom(seed: 99)
        let blobs: [[UInt8]] =
            [[], [0], [0xFF, 0xFE], [1, 2, 3]]
            + (0..<8).map { n in (0..<(n * 7 + 1)).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        let encoded = blobs.map { Data($0).base64EncodedString() }
        let members = encoded.enumerated().map { #""b\#($0)":{"B":"\#($1)"}"# }.joined(separator: ",")
        let set = encoded.map { "\"\($0)\"" }.joined(separator: ",")
        let image = try Self.newImage("{\(members),\"bs\":{\"BS\":[\(set)]}}")
        for (index, blob) in blobs.enumerated() { #expect(image["b\(index)"] == .b(blob)) }
        #expect(image["bs"] == .bs(blobs))
        // Base64 with an escaped slash (JSON allows "\/") is still base64.
        #expect(try Self.newImage(#"{"b":{"B":"\/w=="}}"#)["b"] == .b([0xFF]))
    }

    @Test func handlesOptionalMembersAbsentOrNull() throws {
        let minimal = #"{"eventID":"m","eventName":"REMOVE","dynamodb":{"Keys":{},"SequenceNumber":"7"}}"#
        let nulls =
            #"{"eventID":"n","eventName":"INSERT","eventVersion":null,"eventSource":null,"awsRegion":null,"#
            + #""userIdentity":null,"dynamodb":{"ApproximateCreationDateTime":null,"Keys":{},"NewImage":null,"#
            + #""OldImage":null,"SequenceNumber":"8","SizeBytes":null,"StreamViewType":null}}"#
        let ttl = Self.record(
            id: "t", image: "{}", extra: #""userIdentity":{"PrincipalId":"dynamodb.amazonaws.com","Type":"Service"},"#)
        let output = try Self.agreed(Self.page([minimal, nulls, ttl], next: ""))
        #expect(output.nextShardIterator == nil)
        #expect(output.records.map(\.eventName) == [.remove, .insert, .modify])
        #expect(
            output.records[0]
                == StreamRecord(eventID: "m", eventName: .remove, keys: [:], sequenceNumber: SequenceNumber("7")!))
        #expect(output.records[1].newImage == nil && output.records[1].sizeBytes == 0)
        #expect(output.records[2].userIdentityPrincipal == "dynamodb.amazonaws.com")
        #expect(output.records[2].approximateCreationDateTime == 1_700_000_000)
        #expect(try Self.agreed(Array(#"{"Records":[],"NextShardIterator":null}"#.utf8)).records.isEmpty)
        #expect(try Self.agreed(Array(#"{}"#.utf8)).records.isEmpty)
    }

    @Test func skipsUnknownMembersAtEveryLevel() throws {
        let unknown = #""zz":{"a":[1,2.5e3,{"b":"\u00e9\n"},null,true,false,[]],"c":"\ud83d\ude00"},"#
        let record =
            #"{\#(unknown)"eventID":"u","eventName":"MODIFY","dynamodb":{\#(unknown)"Keys":{"PK":{"S":"k"}},"#
            + #""SequenceNumber":"5","ApproximateCreationDateTime":1.7e9,"SizeBytes":3}}"#
        let bytes = Array(#"{\#(unknown)"Records":[\#(record)],"NextShardIterator":"n","Extra":[{"x":{}}]}"#.utf8)
        let output = try Self.agreed(bytes)
        #expect(output.records.first?.keys == ["PK": .s("k")])
        #expect(output.records.first?.approximateCreationDateTime == 1.7e9)
        #expect(output.nextShardIterator == "n")
    }

    @Test func acceptsAnyWhitespaceLayout() throws {
        let compact = try FastDecodingCorpusTests.pages()[0].bytes
        let object = try JSONSerialization.jsonObject(with: Data(compact))
        let pretty = [UInt8](
            try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]))
        let spaced = Array((" \n\t" + String(decoding: compact, as: UTF8.self) + "\r\n ").utf8)
        let expected = try GetRecordsDecoder.decode(compact).records
        #expect(try Self.agreed(pretty).records == expected)
        #expect(try Self.agreed(spaced).records == expected)
    }
}
