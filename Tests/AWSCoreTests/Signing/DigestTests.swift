import TestPeers
import Testing

@testable import AWSCore

/// `Digest`'s SHA-256 and HMAC-SHA256 (HMAC computed from its definition over a SHA-256 fetched
/// once) against RFC 4231's published vectors and against OpenSSL's own one-shot calls.
@Suite struct DigestTests {
    @Test func hmac_matchesRFC4231Vectors() {
        // Test case 1: a 20-byte key.
        let mac1 = Digest.hmacSHA256(key: [UInt8](repeating: 0x0b, count: 20), data: Array("Hi There".utf8))
        #expect(Digest.hex(mac1) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        // Test cases 6 and 7: a 131-byte key, longer than the block, is hashed first.
        let longKey = [UInt8](repeating: 0xaa, count: 131)
        let mac6 = Digest.hmacSHA256(
            key: longKey, data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
        #expect(Digest.hex(mac6) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        let data7 =
            "This is a test using a larger than block-size key and a larger than block-size data. "
            + "The key needs to be hashed before being used by the HMAC algorithm."
        let mac7 = Digest.hmacSHA256(key: longKey, data: Array(data7.utf8))
        #expect(Digest.hex(mac7) == "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
    }

    @Test func hmacAndSHA256_agreeWithOpenSSLOneShotCalls() {
        let seed: UInt64 = 0xD16E_57
        print("DigestTests seed \(seed)")
        var rng = SeededRandom(seed: seed)
        // Every key length around the 64-byte block, empty data included, then random sizes.
        var cases: [(key: Int, data: Int)] = (0...130).map {
            ($0, $0 % 7 == 0 ? 0 : Int.random(in: 1...300, using: &rng))
        }
        for _ in 0..<200 { cases.append((Int.random(in: 0...300, using: &rng), Int.random(in: 0...5000, using: &rng))) }
        for (keyLength, dataLength) in cases {
            let key = (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let data = (0..<dataLength).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(
                Digest.hmacSHA256(key: key, data: data) == Digest.referenceHMACSHA256(key: key, data: data),
                "key \(keyLength) bytes, data \(dataLength) bytes")
            #expect(Digest.sha256(data) == Digest.referenceSHA256(data), "data \(dataLength) bytes")
        }
    }
}
