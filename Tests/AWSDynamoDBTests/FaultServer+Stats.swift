import AWSCore
import Foundation
import TestPeers

/// Counters the loopback fault server (Tests/peers/fault_server.py) keeps.
struct FaultServerStats {
    var connections: Int
    var requests: Int
    var targets: [String]
    var lastHeaders: [String: String]
}

extension PeerScriptServer {
    /// Starts `fault_server.py` in `mode`; the first `failures` requests fail (all when negative).
    static func faultServer(mode: String, failures: Int = -1, successBody: String = "{}", extra: [String] = []) throws
        -> PeerScriptServer
    {
        try PeerScriptServer(
            script: "fault_server.py",
            arguments: ["--mode", mode, "--failures", String(failures), "--success-body", successBody] + extra)
    }

    /// Reads the counters over a connection of its own (which the server counts).
    func stats() throws -> FaultServerStats {
        let response = try CurlTransport().send(
            HTTPRequest(method: "GET", url: endpoint + "/__stats"), operation: "Stats")
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
        return FaultServerStats(
            connections: object["connections"] as? Int ?? -1, requests: object["requests"] as? Int ?? -1,
            targets: object["targets"] as? [String] ?? [],
            lastHeaders: object["last_headers"] as? [String: String] ?? [:])
    }
}
