import Foundation
import TestPeers
import Testing

@testable import AWSCore

@Suite struct TransportTests {
    private func post(_ server: PeerScriptServer, body: String = "{}") -> HTTPRequest {
        HTTPRequest(
            method: "POST", url: server.endpoint + "/",
            headers: [(name: "Content-Type", value: "application/x-amz-json-1.0")], body: Array(body.utf8))
    }

    @Test func keepAlive_sequentialRequestsShareOneConnection() throws {
        let server = try PeerScriptServer.faultServer(mode: "ok", successBody: #"{"ok":true}"#)
        let transport = CurlTransport()
        var newConnections: [Int] = []
        for _ in 0..<5 {
            let response = try transport.send(post(server), operation: "Probe")
            #expect(response.status == 200)
            #expect(response.body == Array(#"{"ok":true}"#.utf8))
            newConnections.append(transport.lastNewConnections)
        }
        #expect(newConnections == [1, 0, 0, 0, 0])
        let stats = try server.stats()
        // Five requests over one connection, plus the one the stats request opened.
        #expect(stats.requests == 5)
        #expect(stats.connections == 2)
    }

    @Test func responseHeaders_areCollectedLowercased() throws {
        let server = try PeerScriptServer.faultServer(mode: "ok")
        let response = try CurlTransport().send(post(server), operation: "Probe")
        #expect(response.header("X-Amzn-RequestId") == "REQ0001")
        #expect(response.header("content-type") == "application/x-amz-json-1.0")
        #expect(!response.headers.isEmpty)
        #expect(response.headers.allSatisfy { $0.name == $0.name.lowercased() })
    }

    @Test func requestHeadersAndBody_reachTheServer() throws {
        let server = try PeerScriptServer.faultServer(mode: "ok")
        var request = post(server, body: #"{"TableName":"t"}"#)
        request.headers.append((name: "X-Amz-Target", value: "DynamoDB_20120810.DescribeTable"))
        _ = try CurlTransport().send(request, operation: "DescribeTable")
        let stats = try server.stats()
        #expect(stats.targets == ["DynamoDB_20120810.DescribeTable"])
        #expect(stats.lastHeaders["content-length"] == "17")
        #expect(stats.lastHeaders["expect"] == nil)
    }

    @Test func requestTimeout_isTransientCurlTimeout() throws {
        let server = try PeerScriptServer.faultServer(mode: "hang", extra: ["--hang-seconds", "5"])
        let transport = CurlTransport(configuration: .init(requestTimeout: .milliseconds(300)))
        let error = #expect(throws: AWSError.self) { try transport.send(post(server), operation: "GetRecords") }
        #expect(error?.kind == .transient)
        #expect(error?.code == "CurlTimeout")
        #expect(error?.operation == "GetRecords")
    }

    @Test func refusedConnection_isTransientCurlConnect() throws {
        let port = Peers.freePort()
        let request = HTTPRequest(method: "POST", url: "http://127.0.0.1:\(port)/", body: [1])
        let error = #expect(throws: AWSError.self) { try CurlTransport().send(request, operation: "PutItem") }
        #expect(error?.kind == .transient)
        #expect(error?.code == "CurlConnect")
        #expect(error?.description.contains("PutItem") == true)
    }

    @Test func closedWithoutAnswer_isTransientCurlReset() throws {
        let server = try PeerScriptServer.faultServer(mode: "reset")
        let error = #expect(throws: AWSError.self) { try CurlTransport().send(post(server), operation: "Query") }
        #expect(error?.kind == .transient)
        #expect(error?.code == "CurlReset")
    }

    @Test func abortFlag_interruptsABlockedCall() throws {
        let server = try PeerScriptServer.faultServer(mode: "hang", extra: ["--hang-seconds", "20"])
        let flag = StopLatch()
        let transport = CurlTransport(configuration: .init(requestTimeout: .seconds(15)), abortFlag: flag)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(300)) { flag.fire() }
        let started = Date()
        let error = #expect(throws: AWSError.self) { try transport.send(post(server), operation: "GetRecords") }
        #expect(error?.kind == .cancelled)
        #expect(Date().timeIntervalSince(started) < 3)
        // A fired latch refuses new calls at once.
        let again = #expect(throws: AWSError.self) { try transport.send(post(server), operation: "GetRecords") }
        #expect(again?.kind == .cancelled)
    }

    @Test func oversizedResponse_isFatalResponseTooLarge() throws {
        let server = try PeerScriptServer.faultServer(mode: "ok", successBody: String(repeating: "x", count: 5000))
        let small = CurlTransport(configuration: .init(maxResponseBytes: 4999))
        let error = #expect(throws: AWSError.self) { try small.send(post(server), operation: "GetRecords") }
        #expect(error?.kind == .fatal)
        #expect(error?.code == "ResponseTooLarge")
        let exact = CurlTransport(configuration: .init(maxResponseBytes: 5000))
        #expect(try exact.send(post(server), operation: "GetRecords").body.count == 5000)
    }

    @Test func badURL_isFatal() throws {
        let request = HTTPRequest(method: "GET", url: "file:///etc/passwd")
        let error = #expect(throws: AWSError.self) { try CurlTransport().send(request, operation: "Probe") }
        #expect(error?.kind == .fatal)
    }

    @Test func selfSignedCertificate_isRejected_verificationStaysOn() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cert = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert,
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0)
        let server = try PeerScriptServer.faultServer(mode: "ok", extra: ["--tls-cert", cert, "--tls-key", key])
        let request = HTTPRequest(method: "POST", url: "https://127.0.0.1:\(server.port)/", body: Array("{}".utf8))
        let error = #expect(throws: AWSError.self) { try CurlTransport().send(request, operation: "GetItem") }
        #expect(error?.kind == .fatal)
        #expect(error?.code == "CurlTLSVerification")
        // Trusting the certificate (still verifying, against another CA bundle) lets the call through.
        let trusting = CurlTransport(configuration: .init(caBundlePath: cert))
        #expect(try trusting.send(request, operation: "GetItem").status == 200)
    }
}
