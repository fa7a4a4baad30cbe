import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Serves the daemon's ``StatusSnapshot`` as JSON on a unix stream socket.
///
/// Each connection gets one JSON document, then EOF; whatever the client sends is ignored.
/// The snapshot closure runs once per connection on that connection's thread (several may run
/// at once). Connections are served concurrently, each within one deadline (see `init`). The socket file
/// is created with mode 0660 (so an operators' group can read it); a stale file left by a dead
/// process is replaced, but a socket some live process still answers on is not (init throws),
/// nor is a path that is not a socket. ``stop()`` removes the file if it is still ours.
public final class StatusServer: Sendable {
    public let path: String
    let listener: SocketListener
    private let identity: (device: UInt64, inode: UInt64)

    /// Binds the socket at once (a bad or busy path fails here); call ``start()`` to serve.
    /// `connectionTimeout` bounds each connection's whole exchange (a client that never reads is
    /// dropped when it passes); connections are served concurrently, up to 16 at once.
    public init(
        path: String, connectionTimeout: Duration = .seconds(5), logger: Logger,
        snapshot: @escaping @Sendable () -> StatusSnapshot
    ) throws {
        try Self.removeStaleSocket(at: path)
        var address = try SocketIO.unixAddress(path)
        let fd = socket(AF_UNIX, SocketIO.streamType | SocketIO.cloexec, 0)
        guard fd >= 0 else { throw ObservabilityError.system("socket", path) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else {
            let error = ObservabilityError.system("bind", path)
            close(fd)
            throw error
        }
        var info = stat()
        guard chmod(path, 0o660) == 0, Glibc.listen(fd, 16) == 0, lstat(path, &info) == 0 else {
            let error = ObservabilityError.system("listen", path)
            close(fd)
            unlink(path)
            throw error
        }
        self.path = path
        self.identity = (UInt64(info.st_dev), UInt64(info.st_ino))
        let encoder = StatusSnapshot.encoder()
        do {
            listener = try SocketListener(
                listenFD: fd, name: "status-socket", limits: .init(connectionTimeout: connectionTimeout), logger: logger
            ) { connection, deadline in
                let body = (try? encoder.encode(snapshot())) ?? Data()
                guard SocketIO.sendAll(connection, Array(body), deadline: deadline) else {
                    SocketIO.abort(connection)
                    return
                }
                shutdown(connection, Int32(SHUT_WR))
                SocketIO.drain(connection)
            }
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
    }

    /// Starts serving.
    public func start() { listener.start() }

    /// Connections being served right now.
    var activeConnections: Int { listener.activeConnections }

    /// Stops serving and removes the socket file if it is still the one we created. Idempotent.
    public func stop() {
        listener.stop()
        var info = stat()
        if lstat(path, &info) == 0, UInt64(info.st_dev) == identity.device, UInt64(info.st_ino) == identity.inode {
            unlink(path)
        }
    }

    deinit { stop() }

    /// Removes a socket file nobody listens on; throws if someone does or the path is no socket.
    static func removeStaleSocket(at path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw ObservabilityError(operation: "bind", target: path, message: "exists and is not a socket")
        }
        if let fd = try? StatusClient.connect(path: path) {
            close(fd)
            throw ObservabilityError(
                operation: "bind", target: path, message: "another process is serving on this socket")
        }
        unlink(path)
    }
}
