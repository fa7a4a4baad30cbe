import AWSCore
import Foundation
import TestPeers
import Testing

@testable import AWSDynamoDB

/// The request direction: `AttributeValue.jsonValue` and `Item.jsonValue`, read back by our
/// reference path and by Foundation.
@Suite struct FastDecodingEncodingTests {
    static func randomValue(depth: Int, using rng: inout SeededRandom) -> AttributeValue {
        let texts = ["", "a", "é\"\\\n\u{0}😀", "PK#1", "名前"]
        let blob = (0..<Int.random(in: 0..<9, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        switch Int.random(in: 0..<(depth > 0 ? 10 : 8), using: &rng) {
        case 0: return .s(texts.randomElement(using: &rng)!)
        case 1:
            return .n(["0", "-1.5", "12345678901234567890123456789012345678", "1E+125"].randomElement(using: &rng)!)
        case 2: return .b(blob)
        case 3: return .bool(Bool.random(using: &rng))
        case 4: return .null
        case 5: return .ss(Array(texts.prefix(Int.random(in: 0...3, using: &rng))))
        case 6: return .ns(["1", "2.5"])
        case 7: return .bs([blob, []])
        case 8:
            var item = Item()
            for name in texts.prefix(Int.random(in: 0...3, using: &rng)) {
                item[name] = randomValue(depth: depth - 1, using: &rng)
            }
            return .m(item)
        default:
            return .l((0..<Int.random(in: 0...3, using: &rng)).map { _ in randomValue(depth: depth - 1, using: &rng) })
        }
    }

    @Test func encodedValuesDecodeToThemselves() throws {
        var rng = SeededRandom(seed: 3)
        for _ in 0..<500 {
            let value = Self.randomValue(depth: 4, using: &rng)
            let bytes = value.jsonValue.serializedBytes()
            #expect(try AttributeValue(json: JSONValue.parse(bytes)) == value)
            // The fast path reads the same bytes to the same value.
            let page = FastDecodingEdgeCaseTests.page([
                FastDecodingEdgeCaseTests.record(image: #"{"v":\#(String(decoding: bytes, as: UTF8.self))}"#)
            ])
            #expect(try FastDecodingEdgeCaseTests.agreed(page).records.first?.newImage?["v"] == value)
        }
    }

    @Test func writesTheWireForm() {
        #expect(AttributeValue.s("a\"").jsonValue.serializedString() == #"{"S":"a\""}"#)
        #expect(AttributeValue.n("1.50").jsonValue.serializedString() == #"{"N":"1.50"}"#)
        #expect(AttributeValue.b([0xFF, 0, 1]).jsonValue.serializedString() == #"{"B":"/wAB"}"#)
        #expect(AttributeValue.null.jsonValue.serializedString() == #"{"NULL":true}"#)
        #expect(AttributeValue.bs([[1], []]).jsonValue.serializedString() == #"{"BS":["AQ==",""]}"#)
        let item: Item = ["b": .bool(false), "a": .l([.ns(["1"]), .m([:])])]
        // Names sorted, so that the same item always makes the same body.
        #expect(item.jsonValue.serializedString() == #"{"a":{"L":[{"NS":["1"]},{"M":{}}]},"b":{"BOOL":false}}"#)
    }

    @Test func reportsThePathOfAShapeError() throws {
        let json = try JSONValue.parse(
            #"{"Records":[{"eventID":"e","eventName":"M","dynamodb":{"Keys":{"k":{"M":{"x":{"L":[{"S":1}]}}}},"SequenceNumber":"1"}}]}"#
        )
        #expect(throws: WireShapeError(path: "Records[0].dynamodb.Keys.k.M.x.L[0].S", expected: "a string")) {
            try GetRecordsOutput(json: json)
        }
    }
}
