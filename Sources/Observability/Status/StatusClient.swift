import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a ``StatusSnapshot`` from a running daemon's status socket (`zael-aggregator status`).
public enum StatusClient {
    /// Replies larger than this are refused rather than buffered.
    public static let maxReplyBytes = 16 << 20

    /// Connects, reads the JSON document to EOF and decodes it. Throws ``ObservabilityError``
    /// if nobody listens, the reply times out, is too large or is not a snapshot.
    public static func fetch(path: String, timeoutSeconds: Int = 5) throws -> StatusSnapshot {
        let data = try fetchRaw(path: path, timeoutSeconds: timeoutSeconds)
        do {
            return try StatusSnapshot.decoder().decode(StatusSnapshot.self, from: data)
        } catch {
            throw ObservabilityError(operation: "decode", target: path, message: "\(error)")
        }
    }

    /// The raw reply bytes (for `status --json`, which prints them as the daemon sent them).
    public static func fetchRaw(path: String, timeoutSeconds: Int = 5) throws -> Data {
        let fd = try connect(path: path)
        defer { close(fd) }
        SocketIO.setTimeouts(fd, seconds: timeoutSeconds)
        let reply = SocketIO.read(fd, limit: maxReplyBytes) { _ in false }
        let bytes = reply.bytes
        guard !reply.overflow else {
            throw ObservabilityError(
                operation: "read", target: path, message: "reply larger than \(maxReplyBytes) bytes")
        }
        guard !reply.timedOut else {
            throw ObservabilityError(
                operation: "read", target: path, message: "no complete reply within \(timeoutSeconds) s")
        }
        guard !bytes.isEmpty else {
            throw ObservabilityError(operation: "read", target: path, message: "empty reply")
        }
        return Data(bytes)
    }

    /// A connected unix stream socket to `path`.
    static func connect(path: String) throws -> Int32 {
        var address = try SocketIO.unixAddress(path)
        let fd = socket(AF_UNIX, SocketIO.streamType | SocketIO.cloexec, 0)
        guard fd >= 0 else { throw ObservabilityError.system("socket", path) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let error = ObservabilityError.system("connect", path)
            close(fd)
            throw error
        }
        return fd
    }
}
