import AWSDynamoDB

/// Decides which records reach the processors. Records left out still move the checkpoint.
///
/// The engine applies it; the daemon supplies zae-limiter's criteria as a `.matching` closure.
public enum RecordFilter: Sendable {
    /// Every record is processed.
    case all
    /// Records for which the closure returns true are processed. Called on a shard's queue.
    case matching(@Sendable (StreamRecord) -> Bool)

    /// Whether `record` goes to the processor.
    public func accepts(_ record: StreamRecord) -> Bool {
        switch self {
        case .all: return true
        case .matching(let predicate): return predicate(record)
        }
    }
}
