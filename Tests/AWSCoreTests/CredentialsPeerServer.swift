import Foundation
import TestPeers

/// A Python test peer from Tests/peers/ that prints `READY <port>` once it listens on 127.0.0.1;
/// stopped by `stop()` or deinit.
final class CredentialsPeerServer: @unchecked Sendable {
    // Immutable after init; `process` is only touched by stop(), which is idempotent.
    let port: Int
    var endpoint: String { "http://127.0.0.1:\(port)" }
    private let process: Process

    init(script: String, arguments: [String] = []) throws {
        guard Peers.available else { throw PeerError("the test venv is missing at \(Peers.venv.path)") }
        process = Process()
        process.executableURL = Peers.python
        process.arguments = [Peers.script(script).path] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.standardError
        try process.run()
        // The server binds port 0 itself and reports it, so there is no race for a free port.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("READY "), let port = Int(text.dropFirst(6).prefix { $0.isNumber }) else {
            process.terminate()
            throw PeerError("\(script) did not start: \(text)")
        }
        self.port = port
    }

    deinit { stop() }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
