import Foundation

/// Locates the real test peers (the project's Python venv and its tools) for integration tests.
///
/// `scripts/setup` creates the venv at `<repo>/.venv`; `ZAEL_VENV` overrides the location.
public enum Peers {
    /// The repository root, found from this file's compile-time path.
    public static let repoRoot: URL = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }()

    public static var venv: URL {
        if let path = ProcessInfo.processInfo.environment["ZAEL_VENV"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return repoRoot.appendingPathComponent(".venv")
    }

    /// The venv's python, with moto, zae-limiter 0.17.0, botocore and pytest installed.
    public static var python: URL { venv.appendingPathComponent("bin/python") }

    /// Whether the venv exists; tests that need it fail loudly (never skip) when it does not.
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: python.path) }

    /// A file under `Tests/peers/`.
    public static func script(_ name: String) -> URL {
        repoRoot.appendingPathComponent("Tests/peers").appendingPathComponent(name)
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Runs the venv's python with `arguments` and returns its stdout; throws with stderr on a
    /// non-zero exit.
    @discardableResult
    public static func runPython(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws
        -> Data
    {
        let process = Process()
        process.executableURL = python
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try? input.fileHandleForWriting.close()
        // Read both pipes concurrently so that neither fills and blocks the child.
        nonisolated(unsafe) var errData = Data()
        let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        if process.terminationStatus != 0 {
            throw PeerError(
                "python \(arguments.joined(separator: " ")) exited \(process.terminationStatus): "
                    + String(decoding: errData, as: UTF8.self))
        }
        return outData
    }
}

public struct PeerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
