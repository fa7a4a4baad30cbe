#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An error setting up or using the metrics and status endpoints.
public struct ObservabilityError: Error, CustomStringConvertible, Sendable {
    /// What failed, e.g. `bind`, `connect`, `decode`.
    public var operation: String
    /// The listen address, socket path or file concerned.
    public var target: String
    /// `errno` for system-call failures.
    public var errno: Int32?
    public var message: String

    public init(operation: String, target: String, errno: Int32? = nil, message: String = "") {
        self.operation = operation
        self.target = target
        self.errno = errno
        self.message = message
    }

    /// An error for a failed system call, reading `errno` now.
    static func system(_ operation: String, _ target: String) -> ObservabilityError {
        let code = Glibc.errno
        return ObservabilityError(
            operation: operation, target: target, errno: code, message: String(cString: strerror(code)))
    }

    /// Never retryable: these are configuration or environment problems.
    public var isRetryable: Bool { false }

    /// A bounded label for metrics.
    public var metricLabel: String { "observability_\(operation)" }

    public var description: String {
        var text = "\(operation) \(target) failed"
        if !message.isEmpty { text += ": \(message)" }
        return text
    }
}
