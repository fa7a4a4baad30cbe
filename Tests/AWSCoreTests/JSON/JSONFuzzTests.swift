import TestPeers
import Testing

@testable import AWSCore

/// Random and mutated inputs: the parser must throw or succeed, never trap, and whatever it
/// accepts must survive a serialize / parse round trip unchanged.
@Suite struct JSONFuzzTests {

    static let seeds: [[UInt8]] = [
        #"{"Records":[{"eventID":"1","dynamodb":{"Keys":{"PK":{"S":"a\u00e9\ud83d\ude00"}},"SizeBytes":12}}]}"#,
        #"[1,-2.5e10,0.0,true,false,null,"\"\\\/\b\f\n\r\t",{"":[]},[[[]]]]"#,
        "{\"ü\":\"日本語\",\"n\":12345678901234567890123456789012345678}",
    ].map { Array($0.utf8) }

    /// Accepted input must round-trip; returns whether it was accepted.
    @discardableResult
    func check(_ bytes: [UInt8]) -> Bool {
        guard let value = try? JSONValue.parse(bytes) else { return false }
        let again = try? JSONValue.parse(value.serializedBytes())
        #expect(again == value, "round trip changed \(bytes)")
        return true
    }

    @Test func randomBytesNeverCrash() {
        var rng = SeededRandom(seed: 0x5EED)
        let alphabet = Array(#"{}[]:,"\/ 0123456789-+.eEtrufalsn"#.utf8) + [0x80, 0xC3, 0xA9, 0xED, 0xFF, 0x0A, 0x00]
        var accepted = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 0..<40, using: &rng)
            let bytes = (0..<length).map { _ in
                Bool.random(using: &rng) ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            if check(bytes) { accepted += 1 }
        }
        // Random soup is rarely JSON; the count only shows that both outcomes were exercised.
        #expect(accepted > 0)
        #expect(accepted < 20_000)
    }

    @Test func mutatedDocumentsNeverCrash() {
        var rng = SeededRandom(seed: 42)
        var accepted = 0
        var rejected = 0
        for _ in 0..<20_000 {
            var bytes = Self.seeds.randomElement(using: &rng)!
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let index = Int.random(in: 0..<max(bytes.count, 1), using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0 where !bytes.isEmpty: bytes[index] = UInt8.random(in: 0...255, using: &rng)
                case 1 where !bytes.isEmpty: bytes.remove(at: index)
                case 2: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: min(index, bytes.count))
                default: bytes = Array(bytes.prefix(index))  // truncation
                }
            }
            if check(bytes) { accepted += 1 } else { rejected += 1 }
        }
        #expect(accepted > 100)
        #expect(rejected > 100)
    }

    @Test func everyPrefixOfValidDocumentsIsHandled() {
        for seed in Self.seeds {
            for end in 0..<seed.count {
                // A strict prefix of an object or array is never a whole document.
                #expect((try? JSONValue.parse(Array(seed[..<end]))) == nil)
            }
            #expect(check(seed))
        }
    }
}
