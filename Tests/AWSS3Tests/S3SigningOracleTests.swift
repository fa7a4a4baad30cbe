import AWSCore
import AWSS3
import Foundation
import TestPeers
import Testing

/// Builds PutObject requests with `S3Client.putObjectRequest`, signs them with
/// `SigV4Signer.s3`, and requires the `Authorization` header botocore's `S3SigV4Auth` computes
/// for the same wire request (Tests/peers/sigv4_oracle.py): keys full of what S3 signing gets
/// wrong (spaces, unicode, `+`, `=`, `%`, `//`, dot segments; S3 signs the path as sent).
@Suite struct S3SigningOracleTests {
    @Test func generatedPutObjectRequests_matchBotocoreS3SigV4Auth() throws {
        #expect(Peers.available, "the Python venv with botocore is required (ZAEL_VENV)")
        let seed: UInt64 = 0x53_51_67_4E
        print("S3SigningOracleTests seed \(seed)")
        var rng = SeededGenerator(state: seed)
        var cases: [(request: HTTPRequest, credentials: Credentials, date: Date, region: String)] = []
        for _ in 0..<200 {
            let region = ["us-east-1", "eu-west-1", "cn-north-1", "ap-southeast-2"].randomElement(using: &rng)!
            let addressing = S3Addressing(
                region: region,
                endpointOverride: Bool.random(using: &rng)
                    ? nil
                    : ["http://127.0.0.1:4566", "https://s3.example.com:8443", "http://localhost:9000"]
                        .randomElement(using: &rng)!,
                forcePathStyle: Int.random(in: 0..<4, using: &rng) == 0)
            let bucket = [
                "audit-archive", "my.dotted.bucket", "UpperCase", "under_score", "zae-limiter-audit-123456789012",
                "ab",
            ].randomElement(using: &rng)!
            let segments = [
                "audit", "year=2026", "month=12", "day=05", "a b", "ü", "日本", "x+y", "a=b", "%41", "~t", "!*'()",
                "", ".", "..", "semi;colon", "q?x", "h#f", "audit-shardId-00000001-123-2026-12-05T19-05-37Z.jsonl.gz",
            ]
            let key = (0..<Int.random(in: 1...5, using: &rng)).map { _ in segments.randomElement(using: &rng)! }
                .joined(separator: "/")
            let body = Array(
                (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            let request = S3Client.putObjectRequest(
                addressing: addressing, bucket: bucket, key: key, body: body,
                contentType: Bool.random(using: &rng) ? "application/x-ndjson" : nil,
                contentEncoding: Bool.random(using: &rng) ? "gzip" : nil)
            let token =
                Bool.random(using: &rng) ? "FwoGZXIvYXdzE\(UInt32.random(in: 0...UInt32.max, using: &rng))+/=" : nil
            let credentials = Credentials(
                accessKeyID: "AKIA\(Int.random(in: 100_000...999_999, using: &rng))",
                secretAccessKey: "secret/\(UInt64.random(in: 0...UInt64.max, using: &rng))", sessionToken: token,
                source: "test")
            let date = Date(timeIntervalSince1970: Double(Int.random(in: 1_500_000_000...2_000_000_000, using: &rng)))
            cases.append((request, credentials, date, region))
        }
        let oracleCases: [[String: Any]] = cases.map { testCase in
            [
                "method": testCase.request.method, "url": testCase.request.url, "params": NSNull(),
                "headers": testCase.request.headers.map { [$0.name, $0.value] },
                "body_hex": testCase.request.body.map { String(format: "%02x", $0) }.joined(),
                "access_key": testCase.credentials.accessKeyID, "secret_key": testCase.credentials.secretAccessKey,
                "token": testCase.credentials.sessionToken ?? NSNull(), "region": testCase.region, "service": "s3",
                "timestamp": Int(testCase.date.timeIntervalSince1970), "content_sha256": true, "s3": true,
            ]
        }
        let input = try JSONSerialization.data(withJSONObject: ["cases": oracleCases])
        let output = try Peers.runPython([Peers.script("sigv4_oracle.py").path], stdin: input)
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
        try #require(lines.count == cases.count)
        var mismatches = 0
        for (testCase, line) in zip(cases, lines) {
            let oracle = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
            var request = testCase.request
            let details = SigV4Signer.s3(region: testCase.region).sign(
                &request, credentials: testCase.credentials, date: testCase.date)
            if request.header("authorization") != oracle["authorization"] {
                mismatches += 1
                Issue.record(
                    """
                    PUT \(testCase.request.url)
                    ours:     \(details.canonicalRequest.debugDescription)
                    botocore: \(oracle["canonical_request"].debugDescription)
                    """)
            }
        }
        #expect(mismatches == 0)
        // The cases must reach the parts that differ from other services' signing.
        #expect(cases.filter { $0.request.url.contains("%") }.count > 50)
        #expect(cases.filter { $0.request.url.contains("/%2E") }.count > 10)
        #expect(cases.filter { $0.credentials.sessionToken != nil }.count > 50)
    }
}

/// SplitMix64, so every run signs the same cases.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
