import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Small blocking helpers over POSIX sockets shared by the servers and the client.
enum SocketIO {
    static let streamType = Int32(SOCK_STREAM.rawValue)
    static let cloexec = Int32(SOCK_CLOEXEC.rawValue)

    /// Sends every byte, never raising SIGPIPE. Returns false if the peer went away, a send
    /// timed out, or `deadline` passed. With a deadline, every send waits in `poll` for at most
    /// the time left, so a peer that never reads cannot hold a server past it.
    @discardableResult
    static func sendAll(_ fd: Int32, _ bytes: [UInt8], deadline: ContinuousClock.Instant? = nil) -> Bool {
        var offset = 0
        let flags = Int32(MSG_NOSIGNAL) | (deadline == nil ? 0 : Int32(MSG_DONTWAIT))
        while offset < bytes.count {
            if let deadline, !wait(fd, for: Int16(POLLOUT), until: deadline) { return false }
            let sent = bytes.withUnsafeBytes { buffer in
                send(fd, buffer.baseAddress! + offset, bytes.count - offset, flags)
            }
            if sent < 0 {
                if errno == EINTR || (deadline != nil && (errno == EAGAIN || errno == EWOULDBLOCK)) { continue }
                return false
            }
            offset += sent
        }
        return true
    }

    /// What ``read(_:limit:deadline:until:)`` got.
    struct ReadResult {
        var bytes: [UInt8]
        /// More than the limit arrived.
        var overflow = false
        /// The deadline passed (or a receive timed out) before `stop` was satisfied or EOF.
        var timedOut = false
    }

    /// Reads until `stop` says the bytes so far are complete, EOF, an error, a timeout or
    /// `deadline`, or more than `limit` bytes arrive. With a deadline, every receive waits in
    /// `poll` for at most the time left, so a silent or trickling peer ends at the deadline.
    static func read(
        _ fd: Int32, limit: Int, deadline: ContinuousClock.Instant? = nil, until stop: ([UInt8]) -> Bool
    ) -> ReadResult {
        var result = ReadResult(bytes: [])
        var chunk = [UInt8](repeating: 0, count: 4096)
        let flags = deadline == nil ? Int32(0) : Int32(MSG_DONTWAIT)
        while !stop(result.bytes) {
            if let deadline, !wait(fd, for: Int16(POLLIN), until: deadline) {
                result.timedOut = true
                break
            }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, flags) }
            if count < 0 {
                if errno == EINTR || (deadline != nil && (errno == EAGAIN || errno == EWOULDBLOCK)) { continue }
                result.timedOut = errno == EAGAIN || errno == EWOULDBLOCK
                break
            }
            if count == 0 { break }
            result.bytes.append(contentsOf: chunk[0..<count])
            if result.bytes.count > limit {
                result.overflow = true
                break
            }
        }
        return result
    }

    /// Waits until `fd` is ready for `events` (or has an error or hang-up, which the next call
    /// reports); false once `deadline` has passed. Uses the monotonic clock.
    static func wait(_ fd: Int32, for events: Int16, until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let left = deadline - ContinuousClock.now
            if left <= .zero { return false }
            let (seconds, attoseconds) = left.components
            // Round up, so a wait never ends a hair early and spins on a zero timeout.
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, milliseconds)
            if ready < 0, errno != EINTR { return false }
            if ready > 0 { return true }
        }
    }

    /// Makes the next `close` reset the connection at once instead of lingering over unsent
    /// bytes (for peers dropped at their deadline: nothing more is owed to them).
    static func abort(_ fd: Int32) {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
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
