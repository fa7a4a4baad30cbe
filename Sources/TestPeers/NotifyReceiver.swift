import Foundation

/// A temporary AF_UNIX datagram socket standing in for systemd's notify socket (the sd_notify
/// tests and the daemon's READY/STATUS tests share it).
public final class NotifyReceiver {
    /// `$NOTIFY_SOCKET` for this receiver: a path, or `@name` for the abstract namespace.
    public let address: String
    private let fd: Int32
    private let directory: String?

    public init(abstract: Bool = false) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var bytes: [UInt8]
        if abstract {
            address = "@zael-test-\(UUID().uuidString)"
            directory = nil
            bytes = Array(address.utf8)
            bytes[0] = 0
        } else {
            var template = Array((NSTemporaryDirectory() + "/zael-notify-XXXXXX").utf8CString)
            guard mkdtemp(&template) != nil else { throw POSIXError(.EIO) }
            let dir = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            directory = dir
            address = dir + "/notify.sock"
            bytes = Array(address.utf8)
        }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (abstract ? 0 : 1)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(length)) }
        }
        guard rc == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    }

    /// The next datagram, or `nil` if none arrives within `timeout`.
    public func receive(timeout: Duration = .seconds(2)) -> String? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ms = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&pfd, 1, ms) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }

    /// Every datagram already queued.
    public func drain() -> [String] {
        var out: [String] = []
        while let message = receive(timeout: .zero) { out.append(message) }
        return out
    }

    deinit {
        close(fd)
        if let directory {
            unlink(address)
            rmdir(directory)
        }
    }
}
