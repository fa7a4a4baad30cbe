import Foundation

/// Reads EC2 instance metadata with IMDSv2 session tokens.
///
/// A token is fetched with `PUT /latest/api/token` (header
/// `X-aws-ec2-metadata-token-ttl-seconds`) and reused for every GET until it nears its TTL; a
/// 401 drops it and the GET is retried once with a new token. IMDSv1 (no token) is never used.
/// Thread-safe: the lock serialises token state and transport use (metadata calls are rare).
/// The transport should have short timeouts (about 1 s): off EC2 the endpoint does not answer.
public final class InstanceMetadataClient: @unchecked Sendable {
    /// The service root, e.g. `http://169.254.169.254`.
    public let endpoint: String
    public let tokenTTL: Duration
    private let transport: SerialTransport
    private let now: @Sendable () -> Date
    // `lock` guards `token`, `tokenExpiry` and `tokenFetches`.
    private let lock = NSLock()
    private var token: String?
    private var tokenExpiry = Date.distantPast
    private var tokenFetches = 0

    /// Returns nil when `AWS_EC2_METADATA_DISABLED` is `true`. The endpoint is
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else `http://[fd00:ec2::254]` when
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` is `IPv6`, else `http://169.254.169.254`.
    public init?(
        environment: [String: String], transport: any HTTPTransport, tokenTTL: Duration = .seconds(21_600),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" { return nil }
        var endpoint = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"].nonEmptySetting
        if endpoint == nil {
            let ipv6 = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"]?.lowercased() == "ipv6"
            endpoint = ipv6 ? "http://[fd00:ec2::254]" : "http://169.254.169.254"
        }
        while let current = endpoint, current.hasSuffix("/") { endpoint = String(current.dropLast()) }
        self.endpoint = endpoint ?? ""
        self.tokenTTL = tokenTTL
        self.transport = SerialTransport(transport)
        self.now = now
    }

    /// How many session tokens have been fetched (for tests and the status command).
    public var tokenFetchCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return tokenFetches
    }

    /// GETs `path` (e.g. `/latest/meta-data/placement/region`) and returns the body as text.
    public func get(_ path: String) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        var response = try getLocked(path, token: try currentTokenLocked())
        if response.status == 401 {
            // The token expired or the service restarted: one more try with a fresh token.
            token = nil
            response = try getLocked(path, token: try currentTokenLocked())
        }
        guard response.status == 200 else {
            throw AWSError.credentialsFailed(
                "imds", code: "InstanceMetadataError", "GET \(path) returned HTTP \(response.status)",
                httpStatus: response.status)
        }
        return String(decoding: response.body, as: UTF8.self)
    }

    private func getLocked(_ path: String, token: String) throws -> HTTPResponse {
        let request = HTTPRequest(method: "GET", url: endpoint + path, headers: [("X-aws-ec2-metadata-token", token)])
        return try transport.send(request, operation: "InstanceMetadata")
    }

    private func currentTokenLocked() throws -> String {
        let ttl = Double(tokenTTL.components.seconds)
        let margin = min(60, ttl / 2)
        if let token, now().addingTimeInterval(margin) < tokenExpiry { return token }
        let request = HTTPRequest(
            method: "PUT", url: endpoint + "/latest/api/token",
            headers: [("X-aws-ec2-metadata-token-ttl-seconds", String(tokenTTL.components.seconds))])
        let issued = now()
        let response = try transport.send(request, operation: "InstanceMetadataToken")
        tokenFetches += 1
        let fresh = String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard response.status == 200, !fresh.isEmpty else {
            throw AWSError.credentialsFailed(
                "imds", code: "InstanceMetadataTokenError", "PUT /latest/api/token returned HTTP \(response.status)",
                httpStatus: response.status)
        }
        token = fresh
        tokenExpiry = issued.addingTimeInterval(ttl)
        return fresh
    }
}
