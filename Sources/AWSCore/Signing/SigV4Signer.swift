import Foundation

/// Signs HTTP requests with AWS Signature Version 4 (header form), as botocore's `SigV4Auth` does
/// for non-S3 services, and as its `S3SigV4Auth` does for S3 (see `s3(region:)`).
///
/// A value type; one signer per service and region can be shared by every worker. Signing costs
/// two SHA-256 digests and one HMAC, plus four HMACs to derive the key when the day, secret,
/// region or service differ from the previous call (a small locked cache remembers the last key; another, the last URL's signed parts).
public struct SigV4Signer: Sendable {
    /// The signing name of the service, e.g. `dynamodb` (DynamoDB Streams also signs as
    /// `dynamodb`).
    public var service: String
    public var region: String
    /// Whether `sign` adds `x-amz-content-sha256` (S3-style); DynamoDB does not need it.
    /// Default false.
    public var addsContentSHA256Header: Bool
    /// Whether the canonical URI is the wire path normalised (dot and empty segments removed)
    /// and percent-encoded once more, as every service but S3 expects. S3 signs the wire path
    /// exactly as sent (botocore's `S3SigV4Auth`). Default true.
    public var normalizesPath: Bool
    private let keyCache = SigningKeyCache()
    private let urlCache = SigningURLCache()

    public init(service: String, region: String, addsContentSHA256Header: Bool = false, normalizesPath: Bool = true) {
        self.service = service
        self.region = region
        self.addsContentSHA256Header = addsContentSHA256Header
        self.normalizesPath = normalizesPath
    }

    /// A signer for S3: `s3` signing name, payload hash in `X-Amz-Content-SHA256`, wire path
    /// signed as is.
    public static func s3(region: String) -> SigV4Signer {
        SigV4Signer(service: "s3", region: region, addsContentSHA256Header: true, normalizesPath: false)
    }

    /// The intermediate values of one signature, for tests and debugging.
    ///
    /// The canonical request contains every signed header value, including a session token:
    /// never log it.
    public struct Details: Sendable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        public var authorization: String
    }

    /// Adds `Host` (when absent), `X-Amz-Date`, `X-Amz-Security-Token` (with a session token),
    /// `X-Amz-Content-SHA256` (when configured) and `Authorization` to `request`.
    ///
    /// Existing `Authorization`, `X-Amz-Date` and `X-Amz-Security-Token` headers are replaced, so
    /// a retried request can be signed again with fresh credentials or a new date (a token header
    /// left by earlier temporary credentials is dropped when the new ones have none; botocore
    /// would keep and sign it). `request.url` must be the URL as sent on the wire: the path is
    /// percent-encoded once more for signing, as AWS services expect outside S3.
    @discardableResult
    public func sign(_ request: inout HTTPRequest, credentials: Credentials, date: Date) -> Details {
        let timestamp = Self.timestamp(date)
        let parts = urlParts(request.url)
        let addsContentSHA256Header = addsContentSHA256Header
        request.headers.removeAll {
            HTTPHeaderName.equal($0.name, "authorization") || HTTPHeaderName.equal($0.name, "x-amz-date")
                || HTTPHeaderName.equal($0.name, "x-amz-security-token")
                || (addsContentSHA256Header && HTTPHeaderName.equal($0.name, "x-amz-content-sha256"))
        }
        if request.header("host") == nil { request.headers.append(("Host", parts.hostHeader)) }
        request.headers.append(("X-Amz-Date", timestamp))
        if let token = credentials.sessionToken { request.headers.append(("X-Amz-Security-Token", token)) }
        if addsContentSHA256Header {
            request.headers.append(("X-Amz-Content-SHA256", Digest.hex(Digest.sha256(request.body))))
        }
        let details = signatureDetails(request, parts: parts, credentials: credentials, timestamp: timestamp)
        request.headers.append(("Authorization", details.authorization))
        return details
    }

    /// The signature of `request` as it stands (no headers are added): the canonical request,
    /// string to sign and `Authorization` value. `request` must already carry `X-Amz-Date` and
    /// the other headers `sign` adds for the result to match it.
    public func details(of request: HTTPRequest, credentials: Credentials, date: Date) -> Details {
        signatureDetails(
            request, parts: urlParts(request.url), credentials: credentials, timestamp: Self.timestamp(date))
    }

    /// The host header, canonical URI and canonical query of `url`; a client signs one endpoint
    /// URL over and over, so the last one is remembered.
    private func urlParts(_ url: String) -> SigningURLCache.Parts {
        urlCache.parts(of: url, normalizesPath: normalizesPath) {
            let split = SigningURL(url)
            let path: [UInt8]
            if normalizesPath {
                path = Self.canonicalURI(split.path)
            } else {
                path = split.path.isEmpty ? Array("/".utf8) : Array(split.path.utf8)
            }
            return SigningURLCache.Parts(
                hostHeader: split.hostHeader, canonicalPath: path, canonicalQuery: Self.canonicalQuery(split.query))
        }
    }

    // Built as bytes, one string per result at the end: this runs for every request the daemon
    // sends, and string interpolation here was a visible share of an idle daemon's CPU.
    private func signatureDetails(
        _ request: HTTPRequest, parts: SigningURLCache.Parts, credentials: Credentials, timestamp: String
    ) -> Details {
        let newline = UInt8(ascii: "\n")
        var headers = request.headers
        if request.header("host") == nil { headers.append(("host", parts.hostHeader)) }
        let (headerBlock, signedHeaders) = Self.canonicalHeaders(headers)

        var canonical: [UInt8] = []
        canonical.reserveCapacity(
            96 + parts.canonicalPath.count + parts.canonicalQuery.count + headerBlock.count + signedHeaders.count)
        canonical += request.method.uppercased().utf8
        canonical.append(newline)
        canonical += parts.canonicalPath
        canonical.append(newline)
        canonical += parts.canonicalQuery
        canonical.append(newline)
        canonical += headerBlock
        canonical.append(newline)
        canonical += signedHeaders
        canonical.append(newline)
        if let payloadHash = request.header("x-amz-content-sha256") {
            canonical += payloadHash.utf8
        } else {
            Digest.appendHex(Digest.sha256(request.body), to: &canonical)
        }

        let day = timestamp.prefix(8)
        var scope: [UInt8] = []
        scope.reserveCapacity(day.utf8.count + region.utf8.count + service.utf8.count + 16)
        scope += day.utf8
        scope.append(UInt8(ascii: "/"))
        scope += region.utf8
        scope.append(UInt8(ascii: "/"))
        scope += service.utf8
        scope += "/aws4_request".utf8

        var stringToSign: [UInt8] = []
        stringToSign.reserveCapacity(32 + timestamp.utf8.count + scope.count + 64)
        stringToSign += "AWS4-HMAC-SHA256\n".utf8
        stringToSign += timestamp.utf8
        stringToSign.append(newline)
        stringToSign += scope
        stringToSign.append(newline)
        Digest.appendHex(Digest.sha256(canonical), to: &stringToSign)

        let key = keyCache.key(secret: credentials.secretAccessKey, day: day, region: region, service: service) {
            signingKey(secret: credentials.secretAccessKey, day: day)
        }
        let signature = Digest.hex(Digest.hmacSHA256(key: key, data: stringToSign))

        var authorization: [UInt8] = []
        authorization.reserveCapacity(
            64 + credentials.accessKeyID.utf8.count + scope.count + signedHeaders.count + signature.utf8.count)
        authorization += "AWS4-HMAC-SHA256 Credential=".utf8
        authorization += credentials.accessKeyID.utf8
        authorization.append(UInt8(ascii: "/"))
        authorization += scope
        authorization += ", SignedHeaders=".utf8
        authorization += signedHeaders
        authorization += ", Signature=".utf8
        authorization += signature.utf8
        return Details(
            canonicalRequest: String(decoding: canonical, as: UTF8.self),
            stringToSign: String(decoding: stringToSign, as: UTF8.self),
            signature: signature, authorization: String(decoding: authorization, as: UTF8.self))
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request").
    private func signingKey(secret: String, day: Substring) -> [UInt8] {
        let kDate = Digest.hmacSHA256(key: Array(("AWS4" + secret).utf8), data: Array(day.utf8))
        let kRegion = Digest.hmacSHA256(key: kDate, data: Array(region.utf8))
        let kService = Digest.hmacSHA256(key: kRegion, data: Array(service.utf8))
        return Digest.hmacSHA256(key: kService, data: Array("aws4_request".utf8))
    }

    /// `YYYYMMDD'T'HHMMSS'Z'` in UTC, built without a DateFormatter (slow and not thread-safe
    /// to share before Swift 6 Foundation).
    static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var out: [UInt8] = []
        out.reserveCapacity(16)
        func put(_ value: Int32, digits: Int) {
            var divisor: Int32 = 1
            for _ in 1..<digits { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        put(parts.tm_year + 1900, digits: 4)
        put(parts.tm_mon + 1, digits: 2)
        put(parts.tm_mday, digits: 2)
        out.append(UInt8(ascii: "T"))
        put(parts.tm_hour, digits: 2)
        put(parts.tm_min, digits: 2)
        put(parts.tm_sec, digits: 2)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }
}
