import AWSCore

/// Failures of the consumer engine that are not plain AWS errors.
public struct ConsumerError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The configuration cannot work; `message` lists every problem.
        case invalidConfiguration
        /// The lease table is missing and creating it was not allowed.
        case leaseTableMissing
        /// The lease table exists with a key schema other than `leaseKey` (S).
        case leaseTableIncompatible
        /// A lease table call failed.
        case leaseTable
        /// The stream could not be described.
        case stream
    }

    public var kind: Kind
    public var message: String
    /// The AWS error underneath, if any.
    public var underlying: AWSError?

    public init(_ kind: Kind, _ message: String, underlying: AWSError? = nil) {
        self.kind = kind
        self.message = message
        self.underlying = underlying
    }

    public var isRetryable: Bool { underlying?.isRetryable ?? false }
    /// A bounded label safe as a metric dimension.
    public var metricLabel: String { kind.rawValue }
    public var description: String {
        var text = "\(kind.rawValue): \(message)"
        if let underlying { text += " (\(underlying))" }
        return text
    }
}
