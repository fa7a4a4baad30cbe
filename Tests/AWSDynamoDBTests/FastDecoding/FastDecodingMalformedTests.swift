import AWSCore
import Foundation
import TestPeers
import Testing

@testable import AWSDynamoDB

/// Malformed and wrongly shaped input: the fast decoder throws (never traps) exactly when the
/// reference path throws, and when both accept they agree.
@Suite struct FastDecodingMalformedTests {
    typealias Case = FastDecodingEdgeCaseTests

    enum Outcome: Equatable {
        case decoded([StreamRecord], String?)
        case rejected
    }

    static func fast(_ bytes: [UInt8]) -> Outcome {
        guard let output = try? GetRecordsDecoder.decode(bytes) else { return .rejected }
        return .decoded(output.records, output.nextShardIterator)
    }

    static func reference(_ bytes: [UInt8]) -> Outcome {
        guard let json = try? JSONValue.parse(bytes), let output = try? GetRecordsOutput(json: json) else {
            return .rejected
        }
        return .decoded(output.records, output.nextShardIterator)
    }

    static let wrongShapes: [String] = [
        #"[]"#, #""Records""#, #"{"Records":{}}"#, #"{"Records":[1]}"#, #"{"Records":"x"}"#,
        #"{"NextShardIterator":5}"#,
        #"{"Records":[{"eventName":"MODIFY","dynamodb":{"Keys":{},"SequenceNumber":"1"}}]}"#,  // no eventID
        #"{"Records":[{"eventID":"e","dynamodb":{"Keys":{},"SequenceNumber":"1"}}]}"#,  // no eventName
        #"{"Records":[{"eventID":"e","eventName":"MODIFY"}]}"#,  // no dynamodb
        #"{"Records":[{"eventID":"e","eventName":"MODIFY","dynamodb":{"SequenceNumber":"1"}}]}"#,  // no Keys
        #"{"Records":[{"eventID":"e","eventName":"MODIFY","dynamodb":{"Keys":{}}}]}"#,  // no SequenceNumber
        #"{"Records":[{"eventID":7,"eventName":"MODIFY","dynamodb":{"Keys":{},"SequenceNumber":"1"}}]}"#,
        #"{"Records":[{"eventID":"e","eventName":"MODIFY","dynamodb":{"Keys":{},"SequenceNumber":"1x"}}]}"#,
        #"{"Records":[{"eventID":"e","eventName":"MODIFY","dynamodb":{"Keys":{},"SequenceNumber":1}}]}"#,
        #"{"Records":[{"eventID":"e","eventName":"MODIFY","dynamodb":{"Keys":{},"SequenceNumber":"-1"}}]}"#,
        #"{"Records":[{"eventID":"e","eventName":"M","dynamodb":{"Keys":{},"SequenceNumber":"1","SizeBytes":1.5}}]}"#,
        #"{"Records":[{"eventID":"e","eventName":"M","dynamodb":{"Keys":{},"SequenceNumber":"1","SizeBytes":"3"}}]}"#,
        #"{"Records":[{"eventID":"e","eventName":"M","dynamodb":{"Keys":[],"SequenceNumber":"1"}}]}"#,
        #"{"Records":[{"eventID":"e","eventName":"M","dynamodb":{"Keys":{},"SequenceNumber":"1","ApproximateCreationDateTime":"1"}}]}"#,
        #"{"Records":[{"eventID":"e","eventName":"M","userIdentity":[],"dynamodb":{"Keys":{},"SequenceNumber":"1"}}]}"#,
    ]

    static let badAttributes: [String] = [
        #"{}"#, #"{"S":"a","N":"1"}"#, #"{"X":"a"}"#, #"{"s":"a"}"#, #"{"S":1}"#, #"{"N":1}"#, #"{"S":null}"#,
        #"{"BOOL":"true"}"#, #"{"NULL":null}"#, #"{"M":[]}"#, #"{"L":{}}"#, #"{"SS":["a",1]}"#, #"{"NS":"1"}"#,
        #"{"B":"abc"}"#, #"{"B":"ab=c"}"#, #"{"B":"a==="}"#, #"{"B":"ab c"}"#, #"{"BS":["AA==","@@@@"]}"#,
        #"{"L":[{"S":"a"},{}]}"#, #"{"M":{"k":{"SS":"x"}}}"#, #""S""#, #"null"#, #"[]"#,
    ]

    @Test func rejectsWrongShapesOnBothPaths() {
        for text in Self.wrongShapes {
            let bytes = Array(text.utf8)
            #expect(Self.fast(bytes) == .rejected, "fast accepted \(text)")
            #expect(Self.reference(bytes) == .rejected, "reference accepted \(text)")
        }
        for attribute in Self.badAttributes {
            let bytes = Case.page([Case.record(image: #"{"a":\#(attribute)}"#)])
            #expect(Self.fast(bytes) == .rejected, "fast accepted \(attribute)")
            #expect(Self.reference(bytes) == .rejected, "reference accepted \(attribute)")
        }
    }

    @Test func reportsTheOffsetOfAShapeError() throws {
        let bytes = Case.page([Case.record(image: #"{"a":{"S":1}}"#)])
        let text = String(decoding: bytes, as: UTF8.self)
        let offset = try #require(text.range(of: #"{"S":1}"#)).upperBound.utf16Offset(in: text) - 2
        #expect(throws: JSONParseError(offset: offset, reason: .unexpectedShape("a string"))) {
            try GetRecordsDecoder.decode(bytes)
        }
    }

    @Test func rejectsEveryTruncation() throws {
        let bytes = Case.page([Case.record(image: #"{"a":{"S":"é\u00e9"},"b":{"L":[{"N":"1"},{"B":"AAE="}]}}"#)])
        for end in 0..<bytes.count {
            #expect(Self.fast(Array(bytes[..<end])) == .rejected, "prefix of \(end) bytes")
        }
        #expect(Self.fast(bytes) != .rejected)
    }

    @Test func mutatedPagesDecodeLikeTheReferencePath() throws {
        let seeds = [
            Case.page([
                Case.record(
                    id: "a",
                    image:
                        #"{"s":{"S":"x\"\u00e9\ud83d\ude00"},"n":{"N":"12"},"m":{"M":{"l":{"L":[{"BOOL":true},{"NULL":true}]}}}}"#
                ),
                Case.record(
                    id: "b", sequence: "200",
                    image: #"{"ss":{"SS":["a","b"]},"bs":{"BS":["AAE=","/w=="]},"b":{"B":""}}"#),
            ]),
            Array(#"{"Records":[],"NextShardIterator":null}"#.utf8),
        ]
        var rng = SeededRandom(seed: 7)
        var accepted = 0
        var rejected = 0
        for _ in 0..<4000 {
            var bytes = seeds.randomElement(using: &rng)!
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes[index] = Array(#"{}[]:,"\ 0aSNBL"#.utf8).randomElement(using: &rng)!
                case 2: bytes.remove(at: index)
                case 3: bytes.insert(bytes[Int.random(in: 0..<bytes.count, using: &rng)], at: index)
                default: bytes.swapAt(index, Int.random(in: 0..<bytes.count, using: &rng))
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            let outcome = Self.fast(bytes)
            #expect(outcome == Self.reference(bytes), "\(String(decoding: bytes, as: UTF8.self))")
            if outcome == .rejected { rejected += 1 } else { accepted += 1 }
        }
        #expect(accepted > 50)
        #expect(rejected > 50)
    }
}
