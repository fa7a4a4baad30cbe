/// One HTTP request, as the signer and the transport see it.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    /// Absolute URL: scheme, host, optional port, path and query (already percent-encoded as it
    /// goes on the wire).
    public var url: String
    /// Header fields in sending order; names keep their case here, signing lowercases them.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { HTTPHeaderName.equal($0.name, name) }?.value
    }

    public static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body
            && lhs.headers.map { "\($0.name):\($0.value)" } == rhs.headers.map { "\($0.name):\($0.value)" }
    }
}

/// One HTTP response; header names are lowercased.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header (names are stored lowercased).
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name == lowered }?.value
    }
}

/// Sends HTTP requests synchronously on the calling thread.
///
/// An instance is used by one thread at a time (each shard worker and lane owns one), which is
/// what lets it keep one connection alive across calls. Failures are thrown as `AWSError` with
/// kind `.transient` (timeouts, resets, refused connections) or `.cancelled`.
public protocol HTTPTransport: AnyObject {
    func send(_ request: HTTPRequest, operation: String) throws -> HTTPResponse
}
