import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal HTTP/1.1 server for the Prometheus page: `GET /metrics` returns the page, any other
/// path 404, another method on `/metrics` 405, malformed requests 400, requests over
/// ``maxRequestBytes`` 431. `Connection: close`.
///
/// Scrapes are served concurrently (up to 16 at once, one thread each; see `SocketListener`),
/// and each connection has one deadline for the whole exchange (5 s by default): a client that
/// sends nothing, stalls halfway through its request or never reads the reply is dropped when it
/// passes, while other scrapes go on.
///
/// The listen address is `host:port` with a numeric host (`127.0.0.1:9464`, `[::1]:9464`);
/// port 0 picks a free port (see ``port``). The page closure runs on a connection's thread for
/// every scrape, possibly on several threads at once.
public final class MetricsHTTPServer: Sendable {
    /// The default listen address: loopback only.
    public static let defaultListen = "127.0.0.1:9464"
    /// Requests (line plus headers) larger than this are refused.
    public static let maxRequestBytes = 8192

    /// The bound TCP port.
    public let port: Int
    let listener: SocketListener

    /// Binds and listens at once (so a bad address fails at startup); call ``start()`` to serve.
    /// `connectionTimeout` bounds each connection's whole exchange; `maxConnections` how many are
    /// served at once.
    public init(
        listen: String = MetricsHTTPServer.defaultListen, connectionTimeout: Duration = .seconds(5),
        maxConnections: Int = 16, logger: Logger, page: @escaping @Sendable () -> String
    ) throws {
        let (fd, port) = try Self.bind(listen)
        self.port = port
        do {
            listener = try SocketListener(
                listenFD: fd, name: "metrics-http",
                limits: .init(connectionTimeout: connectionTimeout, maxConnections: maxConnections), logger: logger
            ) { connection, deadline in
                Self.serve(connection, deadline: deadline, page: page)
            }
        } catch {
            close(fd)
            throw error
        }
    }

    /// Starts serving.
    public func start() { listener.start() }

    /// Stops serving and closes the socket; gives scrapes in progress a moment to finish.
    /// Idempotent.
    public func stop() { listener.stop() }

    deinit { listener.stop() }

    // MARK: Requests

    static func serve(_ connection: Int32, deadline: ContinuousClock.Instant, page: @Sendable () -> String) {
        let request = SocketIO.read(connection, limit: maxRequestBytes, deadline: deadline) {
            Self.headerEnd(in: $0)
        }
        if request.timedOut {
            // Silent or stalled: no time is left to owe it an answer.
            SocketIO.abort(connection)
            return
        }
        let response: Response
        if request.overflow {
            response = Response(status: "431 Request Header Fields Too Large")
        } else {
            response = respond(to: request.bytes, page: page)
        }
        guard SocketIO.sendAll(connection, response.bytes, deadline: deadline) else {
            SocketIO.abort(connection)
            return
        }
        SocketIO.drain(connection)
    }

    /// The response to a raw request; pure, so tests can feed it junk directly.
    static func respond(to request: [UInt8], page: @Sendable () -> String) -> Response {
        guard let lineEnd = request.firstIndex(of: UInt8(ascii: "\n")) else {
            return Response(status: "400 Bad Request")
        }
        let line = String(decoding: request[..<lineEnd], as: UTF8.self)
            .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1."), !parts[0].isEmpty, parts[1].hasPrefix("/") else {
            return Response(status: "400 Bad Request")
        }
        let path = parts[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard path == "/metrics" else { return Response(status: "404 Not Found") }
        guard parts[0] == "GET" else {
            return Response(status: "405 Method Not Allowed", extraHeaders: "Allow: GET\r\n")
        }
        return Response(status: "200 OK", contentType: PrometheusTextRenderer.contentType, body: Array(page().utf8))
    }

    /// Whether the bytes hold a complete request head (an empty line, CRLF or bare LF).
    private static func headerEnd(in bytes: [UInt8]) -> Bool {
        guard bytes.count >= 2 else { return false }
        let n = bytes.count
        if bytes[n - 1] == UInt8(ascii: "\n") {
            if bytes[n - 2] == UInt8(ascii: "\n") { return true }
            if n >= 4, bytes[n - 2] == UInt8(ascii: "\r"), bytes[n - 3] == UInt8(ascii: "\n") { return true }
        }
        return false
    }

    struct Response {
        var status: String
        var contentType = "text/plain; charset=utf-8"
        var extraHeaders = ""
        var body: [UInt8] = []

        init(
            status: String, contentType: String = "text/plain; charset=utf-8", extraHeaders: String = "",
            body: [UInt8]? = nil
        ) {
            self.status = status
            self.contentType = contentType
            self.extraHeaders = extraHeaders
            self.body = body ?? Array((status + "\n").utf8)
        }

        var bytes: [UInt8] {
            let head =
                "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
                + extraHeaders + "Connection: close\r\n\r\n"
            return Array(head.utf8) + body
        }
    }

    // MARK: Binding

    /// Parses `host:port` / `[v6]:port`, binds with SO_REUSEADDR and listens.
    static func bind(_ listen: String) throws -> (fd: Int32, port: Int) {
        guard let colon = listen.lastIndex(of: ":") else {
            throw ObservabilityError(operation: "bind", target: listen, message: "expected host:port")
        }
        var host = String(listen[..<colon])
        let service = String(listen[listen.index(after: colon)...])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let portNumber = Int(service), (0...65535).contains(portNumber), !host.isEmpty else {
            throw ObservabilityError(
                operation: "bind", target: listen, message: "expected host:port with a numeric port")
        }
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE
        hints.ai_socktype = SocketIO.streamType
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, service, &hints, &result)
        guard status == 0, let info = result else {
            throw ObservabilityError(
                operation: "bind", target: listen,
                message: "not a numeric address: \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, SocketIO.streamType | SocketIO.cloexec, 0)
        guard fd >= 0 else { throw ObservabilityError.system("socket", listen) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard Glibc.bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, Glibc.listen(fd, 16) == 0 else {
            let error = ObservabilityError.system("bind", listen)
            close(fd)
            throw error
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let port: UInt16 = withUnsafeBytes(of: &storage) { raw in
            // sin_port and sin6_port sit at the same offset, right after the family.
            raw.load(fromByteOffset: 2, as: UInt16.self)
        }
        return (fd, Int(UInt16(bigEndian: port)))
    }
}
