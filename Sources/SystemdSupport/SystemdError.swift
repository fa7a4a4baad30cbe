import Foundation

/// What went wrong talking to systemd (the notify socket or the journal).
public struct SystemdError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The operation that failed, e.g. `sd_notify` or `sd_journal_sendv`.
    public var operation: String
    /// The errno-style code (positive).
    public var code: Int32
    /// Extra context, such as the socket path.
    public var detail: String

    public init(operation: String, code: Int32, detail: String = "") {
        self.operation = operation
        self.code = code
        self.detail = detail
    }

    /// Notify and journal failures are transient from the daemon's point of view: the next ping may
    /// succeed, and nothing is lost by trying again.
    public var isRetryable: Bool { true }

    /// A bounded label for metrics: the operation name.
    public var metricLabel: String { operation }

    public var description: String {
        let reason = String(cString: strerror(code))
        return detail.isEmpty ? "\(operation): \(reason)" : "\(operation) (\(detail)): \(reason)"
    }
}
