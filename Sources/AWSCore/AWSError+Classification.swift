import Foundation

/// The one translation of AWS wire responses (JSON protocols) into `AWSError`.
///
/// Decisions, in order of precedence:
/// - `x-amz-crc32` present and not the CRC-32 of the body: `.transient`, code `CRC32Mismatch`
///   (the body was damaged in flight; nothing in it can be trusted, not even an error code).
/// - 2xx: success (`nil`).
/// - The code comes from the body's `__type` (text after the last `#`), else the
///   `x-amzn-ErrorType` header (text before any `:`), else `HTTP<status>`. The message comes from
///   `message` or `Message`; `AWSError` redacts signed values in it (`Redaction`) as it is built.
/// - throttling: the throttling codes below, HTTP 429, and `TransactionConflictException`
///   (contention with another transaction clears by itself, so it is retried with backoff).
/// - transient: 5xx whatever the body (an HTML page from a proxy included), the server-fault
///   codes below, HTTP 408.
/// - credentials: `ExpiredTokenException` and the other codes below: the provider is
///   invalidated and the call retried once with fresh credentials; a second rejection is final.
/// - conditional: `ConditionalCheckFailedException`; `TransactionCanceledException` whose
///   reasons include `ConditionalCheckFailed`. A cancellation whose only reasons are contention
///   or throttling (`TransactionConflict`, `ThrottlingError`…) is `.throttling` (retried, as the
///   AWS SDKs do); one with other reasons (`ValidationError`…) is `.fatal`.
/// - fatal: everything else, including stream codes (`ExpiredIteratorException`,
///   `TrimmedDataAccessException`, `ResourceNotFoundException`) that the consumer handles by code.
extension AWSError {
    static let throttlingCodes: Set<String> = [
        "ThrottlingException", "Throttling", "ThrottledException", "RequestThrottledException",
        "ProvisionedThroughputExceededException", "LimitExceededException", "RequestLimitExceeded",
        "TooManyRequestsException", "TransactionConflictException", "TransactionInProgressException",
        "SlowDown", "BandwidthLimitExceeded", "EC2ThrottledException",
    ]
    static let transientCodes: Set<String> = [
        "InternalServerError", "InternalFailure", "InternalServerException", "ServiceUnavailable",
        "ServiceUnavailableException", "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
    ]
    static let credentialCodes: Set<String> = [
        "ExpiredTokenException", "ExpiredToken", "TokenRefreshRequired", "RequestExpired",
        "InvalidSignatureException", "UnrecognizedClientException", "InvalidClientTokenId",
    ]
    /// Cancellation reasons that a retry can clear.
    static let retryableCancellationReasons: Set<String> = [
        "None", "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded",
    ]

    /// Classifies one response of `operation`; nil when it is a success whose body may be decoded.
    public static func classify(_ response: HTTPResponse, operation: String, attempt: Int = 1) -> AWSError? {
        let requestID = response.header("x-amzn-requestid") ?? response.header("x-amz-request-id")
        if let expected = response.header("x-amz-crc32") {
            let actual = CRC32.checksum(response.body)
            if UInt32(expected) != actual {
                return AWSError(
                    kind: .transient, code: "CRC32Mismatch",
                    message: "x-amz-crc32 says \(expected), body has \(actual) (\(response.body.count) bytes)",
                    operation: operation, requestID: requestID, httpStatus: response.status, attempt: attempt)
            }
        }
        if (200..<300).contains(response.status) { return nil }

        let document = try? JSONValue.parse(response.body)
        var code = document?["__type"]?.stringValue.map(shortCode) ?? ""
        if code.isEmpty, let header = response.header("x-amzn-errortype") {
            code = String(header.prefix { $0 != ":" })
        }
        var message = document?["message"]?.stringValue ?? document?["Message"]?.stringValue ?? ""
        if code.isEmpty {
            code = "HTTP\(response.status)"
            if message.isEmpty { message = bodySnippet(response.body) }
        }
        var error = AWSError(
            kind: .fatal, code: code, message: message, operation: operation, requestID: requestID,
            httpStatus: response.status, attempt: attempt)

        if code == "TransactionCanceledException" {
            error.cancellationReasons = cancellationReasons(document, message: message)
            let reasons = Set(error.cancellationReasons)
            if reasons.contains("ConditionalCheckFailed") {
                error.kind = .conditional
            } else if !reasons.isEmpty, reasons.isSubset(of: retryableCancellationReasons) {
                error.kind = .throttling
            }
        } else if code == "ConditionalCheckFailedException" {
            error.kind = .conditional
        } else if throttlingCodes.contains(code) || response.status == 429 {
            error.kind = .throttling
        } else if credentialCodes.contains(code) {
            error.kind = .credentials
        } else if transientCodes.contains(code) || response.status >= 500 || response.status == 408 {
            error.kind = .transient
        }
        return error
    }

    /// A success response whose body could not be decoded: `.transient` when it is not JSON at
    /// all (truncated or damaged in flight), `.fatal` when it is JSON of the wrong shape (a retry
    /// would get the same).
    public static func undecodable(
        _ response: HTTPResponse, operation: String, attempt: Int, reason: any Error
    ) -> AWSError {
        let requestID = response.header("x-amzn-requestid") ?? response.header("x-amz-request-id")
        var kind = AWSError.Kind.fatal
        var code = "UnexpectedResponseShape"
        if let parseError = reason as? JSONParseError {
            if case .unexpectedShape = parseError.reason {
            } else {
                (kind, code) = (.transient, "MalformedResponse")
            }
        }
        return AWSError(
            kind: kind, code: code, message: "\(reason) (\(response.body.count) bytes)", operation: operation,
            requestID: requestID, httpStatus: response.status, attempt: attempt)
    }

    /// `com.amazonaws.dynamodb.v20120810#ThrottlingException` → `ThrottlingException`.
    static func shortCode(_ type: String) -> String {
        let afterHash = type.split(separator: "#", omittingEmptySubsequences: false).last.map(String.init) ?? type
        return String(afterHash.prefix { $0 != ":" })
    }

    /// `CancellationReasons[].Code` in request order; when the body lacks them, the bracketed
    /// list DynamoDB puts at the end of the message (`[ConditionalCheckFailed, None]`).
    static func cancellationReasons(_ document: JSONValue?, message: String) -> [String] {
        if let reasons = document?["CancellationReasons"]?.arrayValue {
            return reasons.map { $0["Code"]?.stringValue ?? "None" }
        }
        guard let open = message.lastIndex(of: "["), let close = message.lastIndex(of: "]"), open < close else {
            return []
        }
        return message[message.index(after: open)..<close].split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
    }

    /// The start of a non-JSON error body (an HTML page from a proxy), printable ASCII only.
    static func bodySnippet(_ body: [UInt8]) -> String {
        let printable = body.prefix(160).map { (0x20..<0x7F).contains($0) ? Character(UnicodeScalar($0)) : " " }
        return String(printable).trimmingCharacters(in: .whitespaces)
    }
}
