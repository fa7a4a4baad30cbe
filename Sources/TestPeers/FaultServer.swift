import Foundation

/// Counters the loopback fault server (Tests/peers/fault_server.py) keeps.
public struct FaultServerStats: Sendable {
    public var connections: Int
    public var requests: Int
    public var targets: [String]
    public var lastHeaders: [String: String]
    /// The HTTP status of each counted request's answer, in order.
    public var statuses: [Int]
    /// Each counted request's `X-Amz-Date` ("" when it had none), in order.
    public var amzDates: [String]
}

extension PeerScriptServer {
    /// Starts `fault_server.py` in `mode`; the first `failures` requests fail (all when negative).
    public static func faultServer(
        mode: String, failures: Int = -1, successBody: String = "{}", extra: [String] = []
    ) throws -> PeerScriptServer {
        try PeerScriptServer(
            script: "fault_server.py",
            arguments: ["--mode", mode, "--failures", String(failures), "--success-body", successBody] + extra)
    }

    /// Reads the counters over a connection of its own (which the server counts).
    public func stats() throws -> FaultServerStats {
        let (_, body) = try LoopbackHTTP.exchange(port: port, method: "GET", path: "/__stats")
        let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
        return FaultServerStats(
            connections: object["connections"] as? Int ?? -1, requests: object["requests"] as? Int ?? -1,
            targets: object["targets"] as? [String] ?? [],
            lastHeaders: object["last_headers"] as? [String: String] ?? [:],
            statuses: object["statuses"] as? [Int] ?? [], amzDates: object["amz_dates"] as? [String] ?? [])
    }
}
