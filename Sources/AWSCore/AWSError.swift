/// Every failure an AWS call can end in, classified once so that callers decide by `kind`.
///
/// Built by exactly one translation function per client (wire errors) and one in the transport
/// (libcurl errors). Messages name the operation, the AWS error code and the request id; they
/// never carry credentials or signed headers: `code`, `message` and `requestID` pass through
/// `Redaction.redacted(_:)` whenever they are set (in `init` too), because a service's message
/// may echo the signed request it rejects. Every consumer (logs, status, spool, metric labels)
/// reads the redacted text only.
public struct AWSError: Error, Sendable, CustomStringConvertible {
    /// How a caller should react.
    public enum Kind: String, Sendable, CaseIterable {
        /// Back off with jitter and retry (ThrottlingException, ProvisionedThroughputExceeded…).
        case throttling
        /// Retry with backoff (5xx, timeouts, resets, bad CRC, unparsable bodies from a proxy).
        case transient
        /// Refresh credentials, then retry once (ExpiredTokenException…).
        case credentials
        /// A condition did not hold: a normal outcome for the caller to inspect, never retried blindly.
        case conditional
        /// Retrying cannot help (ValidationException, AccessDenied, ResourceNotFound…).
        case fatal
        /// The caller asked to stop (shutdown); not an AWS fault.
        case cancelled
    }

    public var kind: Kind
    /// The AWS `__type` short name (e.g. `ThrottlingException`), or a transport code such as
    /// `CurlTimeout`. Redacted when set.
    public var code: String {
        get { storedCode }
        set { storedCode = Redaction.redacted(newValue) }
    }
    /// The service's (or transport's) explanation. Redacted when set.
    public var message: String {
        get { storedMessage }
        set { storedMessage = Redaction.redacted(newValue) }
    }
    /// The API operation, e.g. `GetRecords`.
    public var operation: String
    /// `x-amzn-RequestId` when the service sent one. Redacted when set.
    public var requestID: String? {
        get { storedRequestID }
        set { storedRequestID = newValue.map(Redaction.redacted) }
    }
    public var httpStatus: Int?
    /// 1-based attempt number on which this error happened.
    public var attempt: Int
    /// Per-action reasons of a `TransactionCanceledException`, in request order (`"None"` for
    /// actions that were fine).
    public var cancellationReasons: [String]

    // Only ever assigned redacted text (the accessors above and `init`).
    private var storedCode: String
    private var storedMessage: String
    private var storedRequestID: String?

    public init(
        kind: Kind, code: String, message: String, operation: String, requestID: String? = nil,
        httpStatus: Int? = nil, attempt: Int = 1, cancellationReasons: [String] = []
    ) {
        self.kind = kind
        storedCode = Redaction.redacted(code)
        storedMessage = Redaction.redacted(message)
        self.operation = operation
        storedRequestID = requestID.map(Redaction.redacted)
        self.httpStatus = httpStatus
        self.attempt = attempt
        self.cancellationReasons = cancellationReasons
    }

    /// Whether a retry with backoff may succeed.
    public var isRetryable: Bool {
        switch kind {
        case .throttling, .transient, .credentials: return true
        case .conditional, .fatal, .cancelled: return false
        }
    }

    /// A bounded, payload-free label safe as a metric dimension.
    public var metricLabel: String { kind.rawValue }

    public var description: String {
        var text = "\(operation) failed: \(code)"
        if !message.isEmpty { text += ": \(message)" }
        if let httpStatus { text += " (HTTP \(httpStatus)" } else { text += " (" }
        text += httpStatus == nil ? "" : ", "
        text += "request id \(requestID ?? "none"), attempt \(attempt))"
        return text
    }
}
