import Foundation
import Logging

/// Calls one AWS service that speaks the JSON protocol (`application/x-amz-json-1.0`), such as
/// DynamoDB (`DynamoDB_20120810`) and DynamoDB Streams (`DynamoDBStreams_20120810`).
///
/// Each call POSTs `/` with `X-Amz-Target: <targetPrefix>.<Operation>`, signs every attempt
/// afresh (new date, current credentials), verifies `x-amz-crc32`, classifies failures with
/// `AWSError.classify` and retries with the `Retrier`. A request rejected because the host clock
/// is off is signed again with the server's time and resent at once (`ClockSkew`). Like its
/// transport, an instance is used by one thread at a time.
public final class AWSJSONClient {
    /// Signs a request in place with the given credentials at the given time.
    public typealias Signer = (inout HTTPRequest, Credentials, Date) -> Void

    public let endpoint: String
    public let targetPrefix: String
    private let url: String
    private let transport: any HTTPTransport
    private let credentials: any CredentialProvider
    private let signer: Signer
    private let retrier: Retrier
    private let now: () -> Date
    private let clockSkew: ClockSkew
    private let logger: Logger?

    /// - Parameters:
    ///   - endpoint: scheme, host and optional port, e.g. `https://dynamodb.eu-west-1.amazonaws.com`.
    ///   - signer: normally `SigV4Signer.sign`; tests may pass their own.
    ///   - now: the host's wall clock; requests are signed with it plus `clockSkew`'s offset.
    ///   - clockSkew: where the host clock's offset from AWS is kept; default the process-wide one.
    public init(
        endpoint: String, targetPrefix: String, transport: any HTTPTransport, credentials: any CredentialProvider,
        signer: @escaping Signer, retrier: Retrier, now: @escaping () -> Date = Date.init,
        clockSkew: ClockSkew = .shared, logger: Logger? = nil
    ) {
        self.endpoint = endpoint
        self.targetPrefix = targetPrefix
        self.url = endpoint.hasSuffix("/") ? endpoint : endpoint + "/"
        self.transport = transport
        self.credentials = credentials
        self.signer = signer
        self.retrier = retrier.loggingRetries(to: logger)
        self.now = now
        self.clockSkew = clockSkew
        self.logger = logger
    }

    /// A client that signs with SigV4 for `signingName` (DynamoDB Streams also signs as `dynamodb`).
    public convenience init(
        endpoint: String, targetPrefix: String, region: String, signingName: String = "dynamodb",
        transport: any HTTPTransport, credentials: any CredentialProvider, retrier: Retrier,
        clockSkew: ClockSkew = .shared, logger: Logger? = nil
    ) {
        let sigV4 = SigV4Signer(service: signingName, region: region)
        self.init(
            endpoint: endpoint, targetPrefix: targetPrefix, transport: transport, credentials: credentials,
            signer: { request, credentials, date in sigV4.sign(&request, credentials: credentials, date: date) },
            retrier: retrier, clockSkew: clockSkew, logger: logger)
    }

    /// Calls `operation` with `input` as the JSON body and decodes the successful response.
    ///
    /// `decode` receives the raw body bytes (so GetRecords can use its specialised decoder); a
    /// `JSONParseError` or other error it throws becomes an `AWSError` via
    /// `AWSError.undecodable` (truncated JSON is retried, a wrong shape is not).
    public func call<Output>(_ operation: String, input: JSONValue, decode: ([UInt8]) throws -> Output) throws -> Output
    {
        let body = input.serializedBytes()
        do {
            return try retrier.run(operation: operation, credentials: credentials) { attempt in
                try attemptCall(operation, body: body, attempt: attempt, decode: decode)
            }
        } catch let error as AWSError {
            if error.isRetryable {
                logger?.warning(
                    "AWS call failed after retries",
                    metadata: ["aws.operation": "\(operation)", "aws.error": "\(error)"])
            }
            throw error
        }
    }

    /// Calls `operation` and returns the response body as a `JSONValue` tree.
    public func call(_ operation: String, input: JSONValue) throws -> JSONValue {
        try call(operation, input: input) { bytes in try JSONValue.parse(bytes) }
    }

    private func attemptCall<Output>(
        _ operation: String, body: [UInt8], attempt: Int, decode: ([UInt8]) throws -> Output
    ) throws -> Output {
        var request = HTTPRequest(
            method: "POST", url: url,
            headers: [
                (name: "Content-Type", value: "application/x-amz-json-1.0"),
                (name: "X-Amz-Target", value: "\(targetPrefix).\(operation)"),
                (name: "User-Agent", value: "zael-aggregator"),
            ], body: body)
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
            classify: { AWSError.classify($0, operation: operation, attempt: attempt) })
        do {
            return try decode(response.body)
        } catch let error as AWSError {
            throw error
        } catch {
            throw AWSError.undecodable(response, operation: operation, attempt: attempt, reason: error)
        }
    }
}
