import AWSCore
import AWSS3
import Foundation
import TestPeers
import Testing

/// `S3Client.putObject` against moto's S3 (path style on a loopback endpoint), directly and
/// behind `s3_fault_proxy.py`, which answers like S3 does when it throttles, fails or refuses.
@Suite(.serialized) struct S3ClientTests {
    static func client(endpoint: String, attempts: Int = 3) -> S3Client {
        S3Client(
            addressing: S3Addressing(region: "us-east-1", endpointOverride: endpoint), transport: CurlTransport(),
            credentials: StaticCredentialProvider(
                Credentials(accessKeyID: "testing", secretAccessKey: "testing", source: "test")),
            retrier: Retrier(
                policy: RetryPolicy(maxAttempts: attempts), budget: RetryBudget(), random: { 0 },
                sleep: { _ in true }))
    }

    /// Runs a zl_audit.py command; its answer is the last line of stdout.
    static func peer(_ arguments: [String], _ moto: MotoServer) throws -> JSONValue {
        let output = try Peers.runPython(
            [Peers.script("zl_audit.py").path] + arguments, environment: moto.awsEnvironment)
        let last = output.split(separator: UInt8(ascii: "\n")).last ?? []
        return try JSONValue.parse(Array(last))
    }

    static func stats(_ proxy: PeerScriptServer) throws -> JSONValue {
        let (_, body) = try LoopbackHTTP.exchange(port: proxy.port, method: "GET", path: "/__stats")
        return try JSONValue.parse(Array(body))
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func putObject_storesKeyBodyAndHeaders() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        _ = try Self.peer(["create-bucket", "--endpoint", moto.endpoint, "--bucket", "zl-archive"], moto)
        let client = Self.client(endpoint: moto.endpoint)
        let keys = [
            "audit/year=2026/month=12/day=05/audit-shardId-0001-42-2026-12-05T19-05-37Z.jsonl.gz",
            "odd/a b/ü 日本/x+y=z/%41/~t/!*'()/q?x#f", "dots/./../end",
        ]
        var expected: [String: [UInt8]] = [:]
        for (index, key) in keys.enumerated() {
            let body = Array("line \(index) ü\n".utf8) + [0, 255]
            let output = try client.putObject(
                bucket: "zl-archive", key: key, body: body, contentType: "application/x-ndjson",
                contentEncoding: index == 0 ? nil : "identity")
            #expect(output.eTag != nil)
            expected[key] = body
        }
        // Writing a key again replaces the object.
        try client.putObject(bucket: "zl-archive", key: keys[0], body: Array("replaced".utf8))
        expected[keys[0]] = Array("replaced".utf8)

        let objects = try Self.peer(["fetch", "--endpoint", moto.endpoint, "--bucket", "zl-archive"], moto).arrayValue
        try #require(objects?.count == keys.count)
        for object in objects ?? [] {
            let key = try #require(object["key"]?.stringValue)
            #expect(expected[key].map(Self.hex) == object["body_hex"]?.stringValue, "\(key)")
        }
        #expect(
            objects?.first { $0["key"]?.stringValue == keys[1] }?["content_type"]?.stringValue == "application/x-ndjson"
        )
    }

    @Test func missingBucket_isFatalAtOnce() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let client = Self.client(endpoint: moto.endpoint, attempts: 5)
        let error = try #require(throws: AWSError.self) {
            try client.putObject(bucket: "no-such-bucket", key: "k", body: [1])
        }
        #expect(error.kind == .fatal)
        #expect(error.code == "NoSuchBucket")
        #expect(error.attempt == 1)
        #expect(error.operation == "PutObject")
    }

    @Test func throttlingAndServerErrors_areRetriedUntilEveryObjectIsWritten() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        _ = try Self.peer(["create-bucket", "--endpoint", moto.endpoint, "--bucket", "zl-archive"], moto)
        let seed = 7_331
        print("S3ClientTests fault seed \(seed)")
        let proxy = try PeerScriptServer(
            script: "s3_fault_proxy.py",
            arguments: [
                "--upstream", moto.endpoint, "--seed", "\(seed)", "--slowdown", "0.25", "--internal", "0.15",
                "--after", "0.15", "--reset", "0.05",
            ])
        defer { proxy.stop() }
        let client = Self.client(endpoint: proxy.endpoint, attempts: 30)
        for index in 0..<40 {
            try client.putObject(bucket: "zl-archive", key: "k/\(index)", body: Array("body \(index)".utf8))
        }
        let objects = try Self.peer(["fetch", "--endpoint", moto.endpoint, "--bucket", "zl-archive"], moto).arrayValue
        #expect(objects?.count == 40)
        let stats = try Self.stats(proxy)
        #expect((Int(stats["faults"]?.numberText ?? "0") ?? 0) > 10, "the proxy must really have failed requests")
    }

    @Test func accessDenied_isFatalAndNotRetried() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        _ = try Self.peer(["create-bucket", "--endpoint", moto.endpoint, "--bucket", "zl-archive"], moto)
        let proxy = try PeerScriptServer(script: "s3_fault_proxy.py", arguments: ["--upstream", moto.endpoint])
        defer { proxy.stop() }
        _ = try LoopbackHTTP.exchange(port: proxy.port, method: "POST", path: "/__mode?m=deny")
        let client = Self.client(endpoint: proxy.endpoint, attempts: 5)
        let error = try #require(throws: AWSError.self) {
            try client.putObject(bucket: "zl-archive", key: "k", body: [1])
        }
        #expect(error.kind == .fatal)
        #expect(error.code == "AccessDenied")
        #expect(error.requestID == "FAULT0000000001")
        #expect(try Self.stats(proxy)["puts"]?.numberText == "1")
        // Fixed: the same client writes.
        _ = try LoopbackHTTP.exchange(port: proxy.port, method: "POST", path: "/__mode?m=none")
        try client.putObject(bucket: "zl-archive", key: "k", body: [1])
    }
}
