import AWSDynamoDB

/// Decides which records reach the processors. Records left out still move the checkpoint.
///
/// The engine applies it; the daemon supplies zae-limiter's criteria as a `.keyed` filter.
public enum RecordFilter: Sendable {
    /// Every record is processed.
    case all
    /// Records for which the closure returns true are processed. Called on a shard's queue.
    case matching(@Sendable (StreamRecord) -> Bool)
    /// As `.matching`, with a verdict from each record's eventName and Keys that lets the
    /// decoder pass over the records it rejects (see `RecordKeyFilter` for the contract between
    /// the two): those come as `GetRecordsOutput.skipped` entries, which count for batches,
    /// checkpoints and iterator age but never reach the closure or the processors.
    case keyed(RecordKeyFilter, @Sendable (StreamRecord) -> Bool)

    /// Whether `record` goes to the processor.
    public func accepts(_ record: StreamRecord) -> Bool {
        switch self {
        case .all: return true
        case .matching(let predicate): return predicate(record)
        case .keyed(_, let predicate): return predicate(record)
        }
    }

    /// The verdict the decoder may use to skip images (`.keyed` only).
    public var keyFilter: RecordKeyFilter? {
        if case .keyed(let keys, _) = self { return keys }
        return nil
    }
}
