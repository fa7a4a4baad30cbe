import Foundation

/// `Tests/peers/stream_proxy.py` in front of a ``MotoServer``: one endpoint for DynamoDB and a
/// multi-shard DynamoDB Stream with lineage, rollover, trimming and injected faults (see
/// docs/testing.md, "Stream proxy"). Stopped with `stop()` or when the object goes away.
public final class StreamProxy: @unchecked Sendable {
    // Immutable after init; `process` is only touched by stop(), which is idempotent.
    public let port: Int
    public let table: String
    public var endpoint: String { "http://127.0.0.1:\(port)" }
    private let process: Process

    /// Starts the proxy in front of `upstream` for `table`; see the designated initializer.
    public convenience init(
        upstream: MotoServer, table: String, shards: Int = 8, rolloverEvery: Int = 0,
        rolloverChildren: String = "alternate", iteratorTTL: Double = 900, arguments: [String] = []
    ) throws {
        try self.init(
            upstreamEndpoint: upstream.endpoint, table: table, shards: shards, rolloverEvery: rolloverEvery,
            rolloverChildren: rolloverChildren, iteratorTTL: iteratorTTL, arguments: arguments)
    }

    /// Starts the proxy for `table` (which may be created later, through the proxy) and waits for
    /// its `READY <port>` line.
    /// - Parameters:
    ///   - upstreamEndpoint: the moto server, `http://127.0.0.1:PORT`.
    ///   - shards: root shards (default 8).
    ///   - rolloverEvery: close a shard after this many records; 0 (default) only on command.
    ///   - rolloverChildren: "1", "2" or "alternate" (default).
    ///   - iteratorTTL: seconds before a shard iterator expires (default 900).
    ///   - arguments: further flags, e.g. `["--max-readers", "2", "--keys-file", path]`.
    public init(
        upstreamEndpoint: String, table: String, shards: Int = 8, rolloverEvery: Int = 0,
        rolloverChildren: String = "alternate", iteratorTTL: Double = 900, arguments: [String] = []
    ) throws {
        guard Peers.available else {
            throw PeerError("the test venv is missing at \(Peers.venv.path): run scripts/setup")
        }
        self.table = table
        process = Process()
        process.executableURL = Peers.python
        process.arguments =
            [
                Peers.script("stream_proxy.py").path, "--upstream", upstreamEndpoint, "--port", "0",
                "--table", table, "--shards", String(shards), "--rollover-every", String(rolloverEvery),
                "--rollover-children", rolloverChildren, "--iterator-ttl", String(iteratorTTL),
            ] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The proxy writes nothing to stdout after this line, so the pipe never fills.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }  // end of file: the proxy exited
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("READY "), let port = Int(text.dropFirst(6)) else {
            process.stop(grace: 2)
            throw PeerError("stream_proxy.py did not start: \(text)")
        }
        self.port = port
    }

    deinit { stop() }

    public func stop() { process.stop(grace: 5) }

    /// Environment for AWS clients pointed at the proxy with dummy keys.
    public var awsEnvironment: [String: String] {
        [
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": endpoint,
        ]
    }

    /// Sends one control command (a JSON object, e.g. `["action": "rollover"]`) and returns the
    /// decoded answer; throws when the proxy refuses it.
    @discardableResult
    public func control(_ command: [String: Any]) throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: command)
        let (status, answer) = try request("POST", "/__proxy/control", body: body)
        guard status == 200 else {
            throw PeerError("control \(command) refused: \(String(decoding: answer, as: UTF8.self))")
        }
        return try Self.object(answer)
    }

    /// `GET /__proxy/stats`: calls per API, faults fired per API and kind, events.
    public func stats() throws -> [String: Any] { try Self.object(request("GET", "/__proxy/stats").1) }

    /// `GET /__proxy/shards`: the virtual stream's shards, lineage and record counts.
    public func shards() throws -> [String: Any] { try Self.object(request("GET", "/__proxy/shards").1) }

    private static func object(_ data: Data) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw PeerError("stream proxy answered no JSON object")
        }
        return object
    }

    private func request(_ method: String, _ path: String, body: Data = Data()) throws -> (Int, Data) {
        try LoopbackHTTP.exchange(port: port, method: method, path: path, body: body)
    }
}
