import TestPeers
import Testing

@testable import AWSDynamoDB

/// The byte-level conversions of the record envelope must give what the string paths give.
@Suite struct WireConversionTests {
    static func bytesSeconds(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBufferPointer { WireConversion.seconds(fromNumberBytes: $0) }
    }

    @Test func secondsFromBytes_equalSwiftsParse() {
        var rng = SeededRandom.announced(#function)
        var texts = [
            "0", "1", "0.5", "1796527838.926", "1796527838.9", "1796527838", "999999999999999", "9999999999999999",
            "0.000000000000001", "123456789012345.6", "1.0e3", "-1.5", "-0", "1E-7", "4.35", "0.1", "2.675",
        ]
        for _ in 0..<20_000 {
            let whole = String(UInt64.random(in: 0...UInt64(1) << Int.random(in: 1...60, using: &rng), using: &rng))
            let digits = Int.random(in: 0...9, using: &rng)
            let fraction = String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) })
            texts.append(digits == 0 ? whole : whole + "." + fraction)
        }
        var mismatches = 0
        for text in texts {
            let expected = WireConversion.seconds(fromNumberText: text)
            let actual = Self.bytesSeconds(text)
            if actual?.bitPattern != expected?.bitPattern {
                mismatches += 1
                Issue.record("\(text): \(String(describing: actual)) != \(String(describing: expected))")
                if mismatches > 10 { break }
            }
        }
        #expect(Self.bytesSeconds("1796527838.926") == 1_796_527_838.926)
    }

    @Test func sequenceNumberFromBytes_equalsTheStringInit() {
        for text in ["1100000000017454423009", "0", "000", "0012", "7", "", "12a", "1 2", "-1", "١٢"] {
            let fromBytes = Array(text.utf8).withUnsafeBufferPointer { SequenceNumber(bytes: $0) }
            #expect(fromBytes == SequenceNumber(text), "\(text)")
            #expect(fromBytes?.digits == SequenceNumber(text)?.digits, "\(text)")
        }
    }
}
