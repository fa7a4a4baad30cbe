import Foundation

/// A real moto server (DynamoDB + DynamoDB Streams) on 127.0.0.1, started for a test and stopped
/// with `stop()` (or when the object goes away).
public final class MotoServer: @unchecked Sendable {
    // Immutable after init; `process` is only touched by stop(), which is idempotent.
    public let port: Int
    public var endpoint: String { "http://127.0.0.1:\(port)" }
    private let process: Process

    /// Starts moto (Tests/peers/moto_transactions.py) from the venv and waits until it answers.
    public init() throws {
        guard Peers.available else {
            throw PeerError("the test venv is missing at \(Peers.venv.path): run scripts/setup")
        }
        port = Peers.freePort()
        process = Process()
        // moto_transactions.py: moto_server whose transactions back up only what they touch
        // (moto's own deep-copies every table per item and slows down as the stream grows).
        process.executableURL = Peers.python
        process.arguments = [Peers.script("moto_transactions.py").path, "-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now.advanced(by: .seconds(20))
        while ContinuousClock.now < deadline {
            if Self.answers(port: port) { return }
            usleep(50_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw PeerError("moto did not start on port \(port)")
    }

    deinit { stop() }

    public func stop() {
        if process.isRunning {
            // SIGKILL: the child inherits the test runner's blocked-signal mask, which includes
            // SIGTERM, so terminate() would leave moto running and waitUntilExit() would hang.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Environment for AWS clients (Swift or Python) pointed at this server with dummy keys.
    public var awsEnvironment: [String: String] {
        [
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": endpoint,
        ]
    }

    private static func answers(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return rc == 0
    }
}
