import AWSCore
import Foundation
import Logging

/// Writes objects to S3 (PutObject only), in the style of `AWSJSONClient`.
///
/// Each call builds the wire URL with `S3Addressing`, signs every attempt afresh with SigV4 for
/// S3 (`X-Amz-Content-SHA256` carries the payload hash; the path is signed as sent), classifies
/// failures with `S3Error.classify` and retries throttling, transient and credential errors with
/// the `Retrier` (a request rejected because the host clock is off is signed again with the
/// server's time and resent at once: `ClockSkew`). What remains after retries is thrown as
/// `AWSError`. Like its transport, an
/// instance is used by one thread at a time (one client per lane).
public final class S3Client {
    /// Signs a request in place with the given credentials at the given time.
    public typealias Signer = (inout HTTPRequest, Credentials, Date) -> Void

    public let addressing: S3Addressing
    private let transport: any HTTPTransport
    private let credentials: any CredentialProvider
    private let signer: Signer
    private let retrier: Retrier
    private let now: () -> Date
    private let clockSkew: ClockSkew
    private let logger: Logger?

    /// - Parameters:
    ///   - signer: normally `SigV4Signer.s3(region:)`; tests may pass their own.
    ///   - clockSkew: where the host clock's offset from AWS is kept; default the process-wide one.
    public init(
        addressing: S3Addressing, transport: any HTTPTransport, credentials: any CredentialProvider,
        signer: @escaping Signer, retrier: Retrier, now: @escaping () -> Date = Date.init,
        clockSkew: ClockSkew = .shared, logger: Logger? = nil
    ) {
        self.addressing = addressing
        self.transport = transport
        self.credentials = credentials
        self.signer = signer
        self.retrier = retrier.loggingRetries(to: logger)
        self.now = now
        self.clockSkew = clockSkew
        self.logger = logger
    }

    /// A client that signs with SigV4 for S3 in `addressing.region`.
    public convenience init(
        addressing: S3Addressing, transport: any HTTPTransport, credentials: any CredentialProvider,
        retrier: Retrier, logger: Logger? = nil
    ) {
        let sigV4 = SigV4Signer.s3(region: addressing.region)
        self.init(
            addressing: addressing, transport: transport, credentials: credentials,
            signer: { request, credentials, date in sigV4.sign(&request, credentials: credentials, date: date) },
            retrier: retrier, logger: logger)
    }

    /// What S3 answered to a successful PutObject.
    public struct PutObjectOutput: Sendable, Equatable {
        public var eTag: String?
        public var requestID: String?
    }

    /// Writes `body` as object `key` of `bucket`, replacing any object of that key.
    ///
    /// Throws `AWSError` (after retries for retryable kinds): `.fatal` for `NoSuchBucket`,
    /// `AccessDenied` and other permanent answers, `.credentials` when fresh credentials were
    /// rejected too, `.throttling`/`.transient` when retries ran out, `.cancelled` on shutdown.
    @discardableResult
    public func putObject(
        bucket: String, key: String, body: [UInt8], contentType: String? = nil, contentEncoding: String? = nil
    ) throws -> PutObjectOutput {
        let request = Self.putObjectRequest(
            addressing: addressing, bucket: bucket, key: key, body: body, contentType: contentType,
            contentEncoding: contentEncoding)
        do {
            return try retrier.run(operation: "PutObject", credentials: credentials) { attempt in
                try send(request, operation: "PutObject", attempt: attempt)
            }
        } catch let error as AWSError {
            if error.isRetryable {
                logger?.warning(
                    "S3 call failed after retries", metadata: ["aws.operation": "PutObject", "aws.error": "\(error)"])
            }
            throw error
        }
    }

    /// The unsigned PutObject request (exposed for the signing oracle tests).
    public static func putObjectRequest(
        addressing: S3Addressing, bucket: String, key: String, body: [UInt8], contentType: String?,
        contentEncoding: String?
    ) -> HTTPRequest {
        var headers: [(name: String, value: String)] = []
        if let contentType { headers.append(("Content-Type", contentType)) }
        if let contentEncoding { headers.append(("Content-Encoding", contentEncoding)) }
        headers.append(("User-Agent", "zael-aggregator"))
        return HTTPRequest(
            method: "PUT", url: addressing.objectURL(bucket: bucket, key: key), headers: headers, body: body)
    }

    private func send(_ unsigned: HTTPRequest, operation: String, attempt: Int) throws -> PutObjectOutput {
        var request = unsigned
        let current: Credentials
        do {
            current = try credentials.credentials()
        } catch var error as AWSError {
            error.operation = operation
            throw error
        }
        let response = try clockSkew.send(
            &request, now: now, logger: logger, sign: { signer(&$0, current, $1) },
            transmit: { request in
                do {
                    return try transport.send(request, operation: operation)
                } catch var error as AWSError {
                    error.attempt = attempt
                    throw error
                }
            },
            classify: { S3Error.classify($0, operation: operation, attempt: attempt) })
        return PutObjectOutput(eTag: response.header("etag"), requestID: response.header("x-amz-request-id"))
    }
}
