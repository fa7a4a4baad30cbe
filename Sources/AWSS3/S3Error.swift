import AWSCore
import Foundation

/// The one translation of S3 responses into `AWSError`.
///
/// S3 answers errors with an XML body (`<Error><Code>…</Code><Message>…</Message>
/// <RequestId>…</RequestId></Error>`), or with no body at all for HEAD requests. Only `Code`,
/// `Message` and `RequestId` are read (never `StringToSign`, `CanonicalRequest` or
/// `AWSAccessKeyId`), and `AWSError` redacts signed values in them (`Redaction`). Kinds:
/// - throttling: `SlowDown` (S3's 503), `Throttling`, `RequestLimitExceeded`, HTTP 429;
/// - transient: `InternalError`, `ServiceUnavailable`, `RequestTimeout`, any other 5xx, 408;
/// - credentials: `ExpiredToken`, `TokenRefreshRequired`, `InvalidToken`, `RequestExpired` (the
///   provider is refreshed and the call retried once; a second rejection is final);
/// - fatal: everything else, `NoSuchBucket`, `AccessDenied`, `InvalidBucketName`,
///   `SignatureDoesNotMatch` and `InvalidAccessKeyId` included (retrying the same request with
///   the same secret cannot help).
public enum S3Error {
    static let throttlingCodes: Set<String> = [
        "SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests",
        "TooManyRequestsException", "BandwidthLimitExceeded",
    ]
    static let transientCodes: Set<String> = [
        "InternalError", "ServiceUnavailable", "RequestTimeout", "OperationAborted", "InternalFailure",
    ]
    static let credentialCodes: Set<String> = [
        "ExpiredToken", "TokenRefreshRequired", "InvalidToken", "RequestExpired",
    ]

    /// Classifies one response of `operation`; nil for a 2xx.
    public static func classify(_ response: HTTPResponse, operation: String, attempt: Int = 1) -> AWSError? {
        if (200..<300).contains(response.status) { return nil }
        let body = String(decoding: response.body, as: UTF8.self)
        let requestID = response.header("x-amz-request-id") ?? element("RequestId", in: body)
        var code = element("Code", in: body) ?? ""
        var message = element("Message", in: body) ?? ""
        if code.isEmpty {
            code = "HTTP\(response.status)"
            if message.isEmpty { message = snippet(response.body) }
        }
        var error = AWSError(
            kind: .fatal, code: code, message: message, operation: operation, requestID: requestID,
            httpStatus: response.status, attempt: attempt)
        if throttlingCodes.contains(code) || response.status == 429 {
            error.kind = .throttling
        } else if credentialCodes.contains(code) {
            error.kind = .credentials
        } else if transientCodes.contains(code) || response.status >= 500 || response.status == 408 {
            error.kind = .transient
        }
        return error
    }

    /// The text of the first `<name>…</name>` element, XML entities decoded; nil when absent.
    static func element(_ name: String, in body: String) -> String? {
        guard let open = body.range(of: "<\(name)>"),
            let close = body.range(of: "</\(name)>", range: open.upperBound..<body.endIndex)
        else { return nil }
        return unescape(body[open.upperBound..<close.lowerBound])
    }

    private static func unescape(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The start of a body that is not S3's XML (a proxy's page), printable ASCII only.
    private static func snippet(_ body: [UInt8]) -> String {
        let printable = body.prefix(160).map { (0x20..<0x7F).contains($0) ? Character(UnicodeScalar($0)) : " " }
        return String(printable).trimmingCharacters(in: .whitespaces)
    }
}
