import Foundation

@testable import AWSCore

/// A minimal HTTP/1.1 client over a real TCP socket to 127.0.0.1 (one connection per request,
/// `Connection: close`), standing in for CurlTransport in the credential tests. It counts
/// requests so tests can see which endpoints were contacted.
final class CredentialsLoopbackTransport: HTTPTransport, @unchecked Sendable {
    // `lock` guards `sent`.
    private let lock = NSLock()
    private var sent: [String] = []

    var requests: [String] {
        lock.lock()
        defer { lock.unlock() }
        return sent
    }

    func send(_ request: HTTPRequest, operation: String) throws -> HTTPResponse {
        lock.lock()
        sent.append("\(request.method) \(request.url)")
        lock.unlock()
        let url = SigningURL(request.url)
        guard url.scheme == "http", url.authority.hasPrefix("127.0.0.1:"), let port = UInt16(url.authority.dropFirst(10))
        else {
            // Loopback only: anything else fails like an unreachable host would.
            throw AWSError(kind: .transient, code: "CouldNotConnect", message: "not loopback", operation: operation)
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = port.bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            throw AWSError(kind: .transient, code: "CouldNotConnect", message: "connect failed", operation: operation)
        }
        var path = String(url.path)
        if path.isEmpty { path = "/" }
        if let query = url.query { path += "?" + query }
        var head = "\(request.method) \(path) HTTP/1.1\r\nHost: \(url.authority)\r\nConnection: close\r\n"
        head += "Content-Length: \(request.body.count)\r\n"
        for header in request.headers { head += "\(header.name): \(header.value)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + request.body
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw AWSError(kind: .transient, code: "SendFailed", message: "", operation: operation) }
            offset += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        return try parse(received, operation: operation)
    }

    private func parse(_ bytes: [UInt8], operation: String) throws -> HTTPResponse {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let split = (0...max(0, bytes.count - 4)).first(where: { bytes[$0..<min($0 + 4, bytes.count)].elementsEqual(separator) })
        else { throw AWSError(kind: .transient, code: "BadResponse", message: "no header end", operation: operation) }
        let lines = String(decoding: bytes[..<split], as: UTF8.self).components(separatedBy: "\r\n")
        let statusWords = lines[0].split(separator: " ")
        guard statusWords.count >= 2, let status = Int(statusWords[1]) else {
            throw AWSError(kind: .transient, code: "BadResponse", message: lines[0], operation: operation)
        }
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return HTTPResponse(status: status, headers: headers, body: Array(bytes[(split + 4)...]))
    }
}
