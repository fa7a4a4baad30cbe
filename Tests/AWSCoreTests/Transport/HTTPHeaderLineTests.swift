import Foundation
import TestPeers
import Testing

@testable import AWSCore

/// `HTTPHeaderLine`, the byte-level reading of response header lines, against what Foundation
/// makes of the same bytes.
@Suite struct HTTPHeaderLineTests {
    private func trimmed(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { HTTPHeaderLine.trimmedValue($0) }
    }

    private func foundationTrimmed(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func trimmedValue_dropsSpacesAndLineEnds() {
        #expect(trimmed(Array(" application/x-amz-json-1.0\r\n".utf8)) == "application/x-amz-json-1.0")
        #expect(trimmed(Array("\t a  b \t\r\n".utf8)) == "a  b")
        #expect(trimmed(Array(" \r\n".utf8)) == "")
        #expect(trimmed([]) == "")
    }

    @Test func trimmedValue_agreesWithFoundationOnRandomValues() {
        let seed: UInt64 = 0x4EAD_E125
        print("HTTPHeaderLineTests seed \(seed)")
        var rng = SeededRandom(seed: seed)
        // ASCII spaces, separators Foundation keeps, Unicode spaces (NBSP, NEL, em space,
        // ideographic space), other non-ASCII text, a lone invalid byte and plain characters.
        let pieces: [[UInt8]] = [
            [0x20], [0x09], [0x0A], [0x0B], [0x0C], [0x0D], [0x1C], [0x1F], [0x00], [0xC2, 0xA0], [0xC2, 0x85],
            [0xE2, 0x80, 0x83], [0xE3, 0x80, 0x80], Array("é".utf8), Array("日".utf8), [0xFF], Array("a".utf8),
            Array("Z9".utf8), Array(":".utf8), Array("-".utf8),
        ]
        for _ in 0..<5000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...8, using: &rng) { bytes += pieces.randomElement(using: &rng)! }
            #expect(trimmed(bytes) == foundationTrimmed(bytes), "bytes \(bytes)")
        }
    }

    @Test func isStatusLine_onlyForHTTPPrefix() {
        func check(_ text: String) -> Bool {
            Array(text.utf8).withUnsafeBufferPointer { HTTPHeaderLine.isStatusLine($0) }
        }
        #expect(check("HTTP/1.1 200 OK\r\n"))
        #expect(check("HTTP/2 100\r\n"))
        #expect(!check("HTTP"))
        #expect(!check("http/1.1 200 OK\r\n"))
        #expect(!check("X-Amz-Crc32: 1\r\n"))
        #expect(!check(""))
    }
}
