import Foundation

/// A loopback server written in Python under `Tests/peers/`, started for one test.
///
/// The script must bind 127.0.0.1 on a port of its choosing and print that port as the first
/// line of stdout (and nothing else on stdout). The process is killed by `stop()` or on deinit.
public final class PeerScriptServer: @unchecked Sendable {
    // Immutable after init; `process` is only touched by stop(), which is idempotent.
    public let port: Int
    public var endpoint: String { "http://127.0.0.1:\(port)" }
    private let process: Process

    public init(script: String, arguments: [String] = []) throws {
        guard Peers.available else {
            throw PeerError("the test venv is missing at \(Peers.venv.path): run scripts/setup")
        }
        process = Process()
        process.executableURL = Peers.python
        process.arguments = [Peers.script(script).path] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let port = Int(text) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw PeerError("\(script) did not print its port (got \(text.debugDescription))")
        }
        self.port = port
    }

    deinit { stop() }

    public func stop() {
        if process.isRunning {
            // SIGKILL: the child inherits the test runner's blocked-signal mask, which can include
            // SIGTERM. The peer keeps no state worth a clean exit.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
