import Foundation
import TestPeers
import Testing

@testable import AWSCore

/// `HTTPHeaderName`, the allocation-free header-name comparisons, against Swift's `lowercased()`.
@Suite struct HTTPHeaderNameTests {
    @Test func equal_foldsASCIICase() {
        #expect(HTTPHeaderName.equal("X-Amz-Date", "x-amz-date"))
        #expect(HTTPHeaderName.equal("HOST", "host"))
        #expect(!HTTPHeaderName.equal("Host", "Hosts"))
        #expect(!HTTPHeaderName.equal("X-Amz-Date", "X-Amz-Data"))
        // '@' and '[' sit next to 'A' and 'Z': only letters fold.
        #expect(!HTTPHeaderName.equal("@", "`"))
        #expect(!HTTPHeaderName.equal("[", "{"))
        #expect(HTTPHeaderName.equal("", ""))
    }

    @Test func equal_followsUnicodeLowercasingForNonASCIINames() {
        // The Kelvin sign lowercases to an ASCII 'k': such a name must still match, as it did
        // when every name went through `lowercased()`.
        #expect(HTTPHeaderName.equal("x-amz-security-to\u{212A}en", "x-amz-security-token"))
        #expect(HTTPHeaderName.equal("X-ÉTÉ", "x-été"))
        #expect(!HTTPHeaderName.equal("x-été", "x-ete"))
    }

    // What signing did to a header name before `trimmedLowercasedBytes`: trim spaces and tabs on
    // the UTF-8 view, then `lowercased()`.
    private func slowTrimmed(_ name: String) -> Substring {
        let isSpace: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let first = name.utf8.firstIndex(where: { !isSpace($0) }),
            let last = name.utf8.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return name[first...last]
    }

    @Test func agreesWithLowercasedOnRandomNames() {
        let seed: UInt64 = 0x4EAD_E12A
        print("HTTPHeaderNameTests seed \(seed)")
        var rng = SeededRandom(seed: seed)
        let pieces = [
            "a", "A", "z", "Z", "-", "@", "[", "`", "{", "k", "K", "\u{212A}", "é", "É", "İ", "i", "ß", " ", "0",
        ]
        func randomName() -> String {
            (0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
        }
        for _ in 0..<5000 {
            let lhs = randomName()
            // Half the time a case-changed copy, so that matches are common.
            let rhs =
                Bool.random(using: &rng)
                ? randomName() : lhs.map { Bool.random(using: &rng) ? $0.uppercased() : String($0) }.joined()
            #expect(
                HTTPHeaderName.equal(lhs, rhs) == (lhs.lowercased() == rhs.lowercased()), "\(lhs) vs \(rhs)")
            #expect(HTTPHeaderName.lowercasedBytes(Substring(lhs)) == Array(lhs.lowercased().utf8), "\(lhs)")
            let padded =
                [" ", "\t", "", "  "].randomElement(using: &rng)! + lhs + [" ", "\t", "", "\t "].randomElement(
                    using: &rng)!
            #expect(
                HTTPHeaderName.trimmedLowercasedBytes(padded) == Array(slowTrimmed(padded).lowercased().utf8),
                "\(padded)")
        }
    }
}
