import AWSDynamoDB

/// Why a bucket MODIFY record (or one limit of it) produced no snapshot update.
///
/// These are the records the reference processor logs as errors and drops; the daemon reports
/// each one through `RecordRejectionHandler` before its checkpoint passes the record, so that
/// the engine can spool it instead of losing it.
public enum RejectionReason: Sendable, Equatable, CustomStringConvertible {
    /// An `N` attribute the reference reads with `int()` is not an integer (e.g. `"1.5"`).
    case notAnInteger(attribute: String)
    /// An integer beyond what DynamoDB can store (more than 38 digits), or a difference of two
    /// that overflows.
    case numberOutOfRange(attribute: String)
    /// `rf` lies outside years 1…9999, where the reference's `datetime` raises.
    case timestampOutOfRange
    /// A limit named like a snapshot attribute (`window`, `ttl`, `total_events`…): its update
    /// expression would overlap itself, which DynamoDB rejects; the reference loses it too.
    case limitNameCollides(limit: String)

    /// Bounded label for metrics.
    public var metricLabel: String {
        switch self {
        case .notAnInteger: return "not_an_integer"
        case .numberOutOfRange: return "number_out_of_range"
        case .timestampOutOfRange: return "timestamp_out_of_range"
        case .limitNameCollides: return "limit_name_collides"
        }
    }

    public var description: String {
        switch self {
        case .notAnInteger(let attribute): return "attribute \(attribute) is not an integer"
        case .numberOutOfRange(let attribute): return "attribute \(attribute) is out of range"
        case .timestampOutOfRange: return "rf is outside years 1...9999"
        case .limitNameCollides(let limit): return "limit name \(limit) collides with a snapshot attribute"
        }
    }
}

/// A record the aggregator could not (fully) apply, with the reason.
public struct RecordRejection: Sendable {
    public var shardId: String
    public var record: StreamRecord
    public var reason: RejectionReason
    public init(shardId: String, record: StreamRecord, reason: RejectionReason) {
        self.shardId = shardId
        self.record = record
        self.reason = reason
    }
}

/// Receives rejected records, e.g. to spool them for an operator (the reference's DLQ role).
///
/// Called on the lane's thread before the checkpoint moves past the record. Throwing fails the
/// batch (the engine retries it), so a rejection is never lost silently.
public protocol RecordRejectionHandler: AnyObject {
    func recordRejected(_ rejection: RecordRejection) throws
}
