/// Where an S3 request goes: the endpoint and the addressing style for a bucket, and the wire URL
/// of an object.
///
/// Virtual-hosted style (`https://{bucket}.s3.{region}.amazonaws.com/{key}`) is the default, as
/// in the AWS SDKs. Path style (`https://s3.{region}.amazonaws.com/{bucket}/{key}`) is used when
/// configured, when the endpoint's host is an IP address or `localhost` (no DNS name can carry
/// the bucket), and when the bucket name cannot be a DNS label: uppercase letters, underscores,
/// a length outside 3–63, an IP-address shape, a leading or trailing `-`/`.`, `..`, or dots over
/// TLS (the wildcard certificate covers one label only).
public struct S3Addressing: Sendable, Equatable {
    /// The region whose endpoint is used and whose signing scope is signed.
    public var region: String
    /// Scheme, host and optional port that replace the regional endpoint (tests: moto). Default nil.
    public var endpointOverride: String?
    /// Always use path-style URLs. Default false.
    public var forcePathStyle: Bool

    public init(region: String, endpointOverride: String? = nil, forcePathStyle: Bool = false) {
        self.region = region
        self.endpointOverride = endpointOverride
        self.forcePathStyle = forcePathStyle
    }

    /// The endpoint: the override, else `https://s3.{region}.amazonaws.com` (`.com.cn` in China).
    public var endpoint: String {
        if let endpointOverride, !endpointOverride.isEmpty {
            return endpointOverride.hasSuffix("/") ? String(endpointOverride.dropLast()) : endpointOverride
        }
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return "https://s3.\(region).\(suffix)"
    }

    /// Whether requests for `bucket` use path style.
    public func usesPathStyle(for bucket: String) -> Bool {
        if forcePathStyle { return true }
        let (scheme, authority) = Self.split(endpoint)
        if authority.hasPrefix("[") { return true }  // IPv6 literal
        let host = authority.split(separator: ":", maxSplits: 1).first.map(String.init) ?? authority
        if Self.isIPAddress(host) || host.lowercased() == "localhost" { return true }
        return !Self.isVirtualHostable(bucket, overTLS: scheme == "https")
    }

    /// The wire URL of `key` in `bucket`: the key percent-encoded (RFC 3986 unreserved kept, `/`
    /// kept), so that it is signed exactly as sent.
    public func objectURL(bucket: String, key: String) -> String {
        let (scheme, host) = Self.split(endpoint)
        let encodedKey = Self.encodeKey(key)
        if usesPathStyle(for: bucket) {
            return "\(scheme)://\(host)/\(Self.encodeKey(bucket))/\(encodedKey)"
        }
        return "\(scheme)://\(bucket).\(host)/\(encodedKey)"
    }

    /// Whether `bucket` can be the first label of a virtual host (and, over TLS, has no dots).
    public static func isVirtualHostable(_ bucket: String, overTLS: Bool) -> Bool {
        let bytes = Array(bucket.utf8)
        guard (3...63).contains(bytes.count), !isIPAddress(bucket) else { return false }
        if overTLS, bytes.contains(UInt8(ascii: ".")) { return false }
        let allowed = bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
        guard allowed else { return false }
        for label in bucket.split(separator: ".", omittingEmptySubsequences: false) {
            if label.isEmpty || label.hasPrefix("-") || label.hasSuffix("-") { return false }
        }
        return true
    }

    static func isIPAddress(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCIIDigitCharacter) }
    }

    /// `scheme://host[:port]` split into the scheme and the authority.
    static func split(_ endpoint: String) -> (scheme: String, host: String) {
        guard let range = endpoint.range(of: "://") else { return ("https", endpoint) }
        var host = String(endpoint[range.upperBound...])
        if let slash = host.firstIndex(of: "/") { host = String(host[..<slash]) }
        return (endpoint[..<range.lowerBound].lowercased(), host)
    }

    /// Percent-encodes an object key as botocore does (`quote(key, safe='/~')`), except that a
    /// segment made only of dots (`.`, `..`) has its dots encoded as `%2E`: libcurl would
    /// otherwise remove such segments from the URL, sending (and storing) another key than the
    /// one signed. S3 decodes `%2E` back, so the object key is unchanged.
    public static func encodeKey(_ key: String) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(key.utf8.count)
        for (index, segment) in key.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            .enumerated()
        {
            if index > 0 { out.append(UInt8(ascii: "/")) }
            if !segment.isEmpty, segment.allSatisfy({ $0 == UInt8(ascii: ".") }) {
                for _ in segment { out += "%2E".utf8 }
                continue
            }
            encode(segment, into: &out, digits: digits)
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func encode(_ bytes: some Sequence<UInt8>, into out: inout [UInt8], digits: [UInt8]) {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0F)])
            }
        }
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
