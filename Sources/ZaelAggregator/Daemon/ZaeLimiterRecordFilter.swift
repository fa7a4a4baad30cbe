import AWSDynamoDB
import StreamConsumer

/// zae-limiter's event source filter for usage snapshots: MODIFY records of bucket items
/// (`NewImage.SK = "#STATE"`, as the stack's FilterCriteria says, or the older `#BUCKET#…` sort
/// key that the reference processor also reads).
///
/// The stack's second criterion (REMOVE of `AUDIT#` items) feeds S3 audit archival, which this
/// daemon does not do, so those records are left out here; left-out records still move the
/// checkpoint.
enum ZaeLimiterRecordFilter {
    static func accepts(_ record: StreamRecord) -> Bool {
        guard record.eventName == .modify, let sortKey = record.newImageValue(named: "SK")?.s else { return false }
        return sortKey == "#STATE" || sortKey.hasPrefix("#BUCKET#")
    }

    static func filter(for setting: AggregatorConfiguration.RecordFilter) -> RecordFilter {
        switch setting {
        case .zaeLimiter: return .matching { accepts($0) }
        case .none: return .all
        }
    }
}
