import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Small blocking helpers over POSIX sockets shared by the servers and the client.
enum SocketIO {
    static let streamType = Int32(SOCK_STREAM.rawValue)
    static let cloexec = Int32(SOCK_CLOEXEC.rawValue)

    /// Sends every byte, never raising SIGPIPE. Returns false if the peer went away, a send
    /// timed out, or `deadline` passed (so a peer that reads slowly cannot hold a server).
    @discardableResult
    static func sendAll(_ fd: Int32, _ bytes: [UInt8], deadline: ContinuousClock.Instant? = nil) -> Bool {
        var offset = 0
        while offset < bytes.count {
            if let deadline, ContinuousClock.now > deadline { return false }
            let sent = bytes.withUnsafeBytes { buffer in
                send(fd, buffer.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += sent
        }
        return true
    }

    /// Reads until `stop` says the bytes so far are complete, EOF, an error, a timeout or
    /// `deadline`, or more than `limit` bytes arrive. Returns the bytes and whether the limit was
    /// exceeded.
    static func read(
        _ fd: Int32, limit: Int, deadline: ContinuousClock.Instant? = nil, until stop: ([UInt8]) -> Bool
    ) -> (bytes: [UInt8], overflow: Bool) {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !stop(data) {
            if let deadline, ContinuousClock.now > deadline { break }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            data.append(contentsOf: chunk[0..<count])
            if data.count > limit { return (data, true) }
        }
        return (data, false)
    }

    /// Marks a descriptor close-on-exec (accept4/pipe2 are not exported to Swift).
    static func setCloseOnExec(_ fd: Int32) {
        _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC)
    }

    /// Sets receive and send timeouts so one slow peer cannot hold a server thread forever.
    static func setTimeouts(_ fd: Int32, seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        let size = socklen_t(MemoryLayout<timeval>.size)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, size)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, size)
    }

    /// Discards whatever the peer sent that we did not read, without blocking, so closing does
    /// not reset the connection before the peer has read our reply.
    static func drain(_ fd: Int32, limit: Int = 1 << 20) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        var total = 0
        while total < limit {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count <= 0 { return }
            total += count
        }
    }

    /// Fills a `sockaddr_un` for `path`, or throws if the path does not fit.
    static func unixAddress(_ path: String) throws -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity, !bytes.contains(0) else {
            throw ObservabilityError(
                operation: "bind", target: path, message: "socket path must be 1–\(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }
}
