import Foundation
import Logging

/// How far the host's wall clock is from AWS's, learnt from rejected requests, so that requests
/// are signed with the server's time when the host clock is off.
///
/// AWS rejects a SigV4 request whose `X-Amz-Date` is more than 5 minutes (S3: 15) from its own
/// clock. As the AWS SDKs do (the Java SDK's clock-skew adjuster, with the same 4-minute
/// threshold; botocore 1.x has no such step), a client whose request was rejected with a clock
/// error (`RequestTimeTooSkewed`, `RequestExpired`, `RequestInTheFuture`, or
/// `InvalidSignatureException` / `SignatureDoesNotMatch` with a message about the signature's
/// date or time) while the response's HTTP `Date` header is more than `threshold` from the time
/// it signed with stores the difference here, signs the request again with the server's time and
/// sends it once more at once (no backoff, no retry budget: the service is not at fault). Every
/// later request of every client sharing the instance is signed with the offset.
///
/// Thread-safe. `shared` is the instance the clients use unless told otherwise: the host has
/// one clock for all of them.
public final class ClockSkew: @unchecked Sendable {
    /// The process-wide instance.
    public static let shared = ClockSkew()

    /// A signing time further than this from the server's `Date` counts as skewed. Default 4 min.
    public let threshold: Duration

    // `lock` guards `storedOffset` (seconds to add to the host's wall clock).
    private let lock = NSLock()
    private var storedOffset: Double = 0

    public init(threshold: Duration = .seconds(240)) { self.threshold = threshold }

    /// Seconds to add to the host's wall clock to get the server's; 0 until a correction.
    public var offset: Double { lock.withLock { storedOffset } }

    /// `date` (a host wall-clock reading) moved by the offset: the time to sign with.
    public func corrected(_ date: Date) -> Date { date.addingTimeInterval(offset) }

    /// Whether an error code and message say the request's signing time was rejected.
    public static func isClockError(code: String, message: String) -> Bool {
        switch code {
        case "RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture":
            return true
        case "InvalidSignatureException", "SignatureDoesNotMatch":
            // These codes also mean a wrong secret or a mangled request: only a message about
            // the signature's date or time ("Signature expired: … is now earlier than …",
            // "Signature not yet current: …") makes them a clock matter.
            let text = message.lowercased()
            return ["signature expired", "not yet current", "date", "time", "clock", "skew"].contains {
                text.contains($0)
            }
        default:
            return false
        }
    }

    /// Learns from one failed response: when `error` is a clock error and the response's `Date`
    /// header is more than `threshold` from `signedAt` (the time the request was signed with),
    /// stores the server's offset from `receivedAt` (the host's uncorrected wall time when the
    /// response arrived) and returns true: the caller signs again and resends once. Logs a
    /// warning when the stored offset changes by more than `threshold` (once per clock fault,
    /// however many requests report it).
    public func learn(
        from error: AWSError, response: HTTPResponse, signedAt: Date, receivedAt: Date, logger: Logger?
    ) -> Bool {
        guard Self.isClockError(code: error.code, message: error.message),
            let header = response.header("date"), let serverDate = HTTPDate.parse(header)
        else { return false }
        let limit = threshold.seconds
        guard abs(serverDate.timeIntervalSince(signedAt)) > limit else { return false }
        let newOffset = serverDate.timeIntervalSince(receivedAt)
        let previous = lock.withLock {
            let previous = storedOffset
            storedOffset = newOffset
            return previous
        }
        if abs(newOffset - previous) > limit {
            let seconds = Int(newOffset.rounded())
            logger?.warning(
                "host clock is off by \(abs(seconds)) s; signing with the server's time",
                metadata: [
                    "clock.offset_seconds": "\(seconds)", "aws.operation": "\(error.operation)",
                    "aws.error": "\(error.code)",
                ])
        }
        return true
    }

    /// One attempt of a signed call: signs `request` with the corrected time, sends it, and
    /// when the answer is a clock error that `learn` corrects, signs it again with the new time
    /// and sends it once more. Returns the response when `classify` finds no error in it, else
    /// throws that error (of the last send). Transport errors pass through.
    ///
    /// - Parameters:
    ///   - now: the host's wall clock (injectable in the clients for tests).
    ///   - sign: signs the request in place at the given time.
    public func send(
        _ request: inout HTTPRequest, now: () -> Date, logger: Logger?, sign: (inout HTTPRequest, Date) -> Void,
        transmit: (HTTPRequest) throws -> HTTPResponse, classify: (HTTPResponse) -> AWSError?
    ) throws -> HTTPResponse {
        var signedAt = corrected(now())
        sign(&request, signedAt)
        var response = try transmit(request)
        guard let error = classify(response) else { return response }
        guard learn(from: error, response: response, signedAt: signedAt, receivedAt: now(), logger: logger) else {
            throw error
        }
        signedAt = corrected(now())
        sign(&request, signedAt)
        response = try transmit(request)
        if let error = classify(response) { throw error }
        return response
    }
}
