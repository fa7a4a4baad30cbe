import Foundation
import TestPeers
import Testing

@testable import AWSCore

/// One `CurlTransport` (one easy handle, never reset between requests) sending every method in
/// turn to Tests/peers/imds_server.py, which answers each method differently: a method, body or
/// custom verb left over from the previous request would reach the wrong handler.
@Suite struct TransportMethodTests {
    @Test func methods_switchCleanlyOnOneHandle() throws {
        let imds = try PeerScriptServer(script: "imds_server.py", arguments: ["--role", "probe-role"])
        // With an abort flag, so the progress callback is installed as in the daemon.
        let transport = CurlTransport(abortFlag: StopLatch())
        let roles = imds.endpoint + "/latest/meta-data/iam/security-credentials/"
        func send(_ method: String, _ url: String, token: String? = nil, body: String = "") throws -> HTTPResponse {
            var headers: [(name: String, value: String)] = []
            if let token { headers.append((name: "X-aws-ec2-metadata-token", value: token)) }
            if method == "PUT" { headers.append((name: "X-aws-ec2-metadata-token-ttl-seconds", value: "60")) }
            return try transport.send(
                HTTPRequest(method: method, url: url, headers: headers, body: Array(body.utf8)), operation: method)
        }

        let put = try send("PUT", imds.endpoint + "/latest/api/token")
        #expect(put.status == 200)
        let token = String(decoding: put.body, as: UTF8.self)
        #expect(!token.isEmpty)
        // A PUT's custom verb must not stick: do_PUT would answer 404 here.
        let list = try send("GET", roles, token: token)
        #expect(list.status == 200)
        #expect(String(decoding: list.body, as: UTF8.self) == "probe-role")
        // The server has no HEAD handler: 501, and no body read.
        let head = try send("HEAD", imds.endpoint + "/_stats")
        #expect(head.status == 501)
        #expect(head.body.isEmpty)
        // After HEAD, a POST with its body (NOBODY cleared): the token store is emptied.
        let revoke = try send("POST", imds.endpoint + "/_revoke_tokens", body: "now")
        #expect(revoke.status == 200)
        #expect(String(decoding: revoke.body, as: UTF8.self) == "revoked")
        // After POST, a GET (do_POST would answer 404): the revoked token is refused.
        #expect(try send("GET", roles, token: token).status == 401)
        let again = try send("PUT", imds.endpoint + "/latest/api/token")
        #expect(again.status == 200)
        #expect(try send("GET", roles, token: String(decoding: again.body, as: UTF8.self)).status == 200)

        let stats = try send("GET", imds.endpoint + "/_stats")
        #expect(stats.status == 200)
        let counts = try #require(try JSONSerialization.jsonObject(with: Data(stats.body)) as? [String: Int])
        #expect(counts["token_puts"] == 2)
        #expect(counts["role_lists"] == 2)
        #expect(counts["unauthorized"] == 1)
    }
}
