import StreamConsumer

/// Which stream records reach the aggregator, as the daemon's configuration names it.
public enum ZaeLimiterRecordSelection: String, Sendable, CaseIterable {
    /// zae-limiter's filter criteria (`ZaeLimiterRecordFilter`), as the Lambda's event source.
    case zaeLimiter = "zae-limiter"
    /// Every record.
    case none

    /// The engine's filter for this selection.
    public var recordFilter: RecordFilter {
        switch self {
        case .zaeLimiter: return ZaeLimiterRecordFilter.recordFilter
        case .none: return .all
        }
    }
}
