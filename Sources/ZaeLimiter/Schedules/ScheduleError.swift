/// Why a stored schedule could not be decoded or evaluated.
///
/// `kind` says how zae-limiter 0.17.0 fails on the same input, because its aggregator treats the
/// two Python outcomes differently: a `ValueError` (``Kind/invalid``) marks the bucket's
/// `sched_error`, so refill leaves that bucket alone; any other exception (``Kind/unreadable``:
/// an `OverflowError` from a huge `s` value, an `IsADirectoryError` from a time zone key naming
/// a directory) escapes the decoder, and the aggregator skips the whole bucket record.
/// ``Kind/outOfRange`` has no Python twin: the value is fine for Python's unbounded integers but
/// beyond what this implementation computes (an instant outside ``ScheduleTimeZone/supportedRange``
/// or a scaled limit beyond `Int128`), or Python never answers (its backward reset scan loops
/// forever at some DST gaps); callers should leave the bucket alone.
public struct ScheduleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The failure class; see the type's documentation.
    public enum Kind: String, Sendable, Equatable {
        case invalid
        case unreadable
        case outOfRange = "out_of_range"
    }

    public var kind: Kind
    /// One line for logs. It quotes the stored schedule text (never credentials).
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    static func invalid(_ message: String) -> ScheduleError { ScheduleError(.invalid, message) }

    public var isRetryable: Bool { false }

    /// A bounded label for metrics.
    public var metricLabel: String { "schedule_\(kind.rawValue)" }

    public var description: String { "schedule \(kind.rawValue): \(message)" }
}
