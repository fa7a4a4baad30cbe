import Foundation

/// The sd_notify wire protocol in Swift: one AF_UNIX datagram to a path or abstract socket.
enum NotifySocket {
    /// Sends `payload` to `path` (`@name` means the abstract namespace, as in `$NOTIFY_SOCKET`).
    static func send(_ payload: String, to path: String) throws {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(path.utf8)
        let abstract = pathBytes.first == UInt8(ascii: "@")
        if abstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        // A filesystem path needs room for its terminating NUL; an abstract name does not.
        guard pathBytes.count + (abstract ? 0 : 1) <= capacity, !pathBytes.isEmpty else {
            throw SystemdError(operation: "sd_notify", code: ENAMETOOLONG, detail: path)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + pathBytes.count + (abstract ? 0 : 1)

        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemdError(operation: "sd_notify", code: errno, detail: path) }
        defer { close(fd) }
        let bytes = Array(payload.utf8)
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), $0, socklen_t(length))
                }
            }
        }
        guard sent == bytes.count else {
            throw SystemdError(operation: "sd_notify", code: sent < 0 ? errno : EMSGSIZE, detail: path)
        }
    }
}
