import Foundation

/// One plain HTTP/1.0 exchange with a test peer on 127.0.0.1, over a connection of its own.
///
/// HTTP/1.0 makes the peer close the connection after its answer, which ends the read; a peer
/// that counts connections sees this one as one more.
public enum LoopbackHTTP {
    public static func exchange(port: Int, method: String, path: String, body: Data = Data()) throws -> (
        status: Int, body: Data
    ) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PeerError("socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw PeerError("the peer on port \(port) refused the connection") }
        var message = Data("\(method) \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n".utf8)
        message.append(Data("Content-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8))
        message.append(body)
        try message.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = send(fd, raw.baseAddress! + sent, raw.count - sent, 0)
                guard n > 0 else { throw PeerError("send to the peer on port \(port) failed") }
                sent += n
            }
        }
        var response = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            response.append(contentsOf: buffer[0..<n])
        }
        guard let split = response.firstRange(of: Data("\r\n\r\n".utf8)),
            let statusLine = String(data: response[..<split.lowerBound], encoding: .utf8)?
                .split(separator: " ").dropFirst().first,
            let status = Int(statusLine)
        else { throw PeerError("the peer on port \(port) answered no HTTP response") }
        return (status, Data(response[split.upperBound...]))
    }
}
