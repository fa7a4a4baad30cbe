import AWSDynamoDB
import StreamConsumer

/// zae-limiter's event source filter: which stream records reach the processor.
///
/// Today: MODIFY records of bucket items (`NewImage.SK = "#STATE"`, as the stack's
/// FilterCriteria says, or the older `#BUCKET#…` sort key that the reference processor also
/// reads). Records left out still move the checkpoint. Each duty that needs more records (audit
/// archival reads REMOVEs of `AUDIT#` items) widens `accepts` here, next to the key layout, so the
/// engine never learns zae-limiter's schema.
public enum ZaeLimiterRecordFilter {
    /// Whether `record` goes to the processor. Called on a shard's queue; reads the NewImage's SK
    /// alone, so a lazily decoded record is not materialised.
    public static func accepts(_ record: StreamRecord) -> Bool {
        guard record.eventName == .modify, let sortKey = record.newImageValue(named: "SK")?.s else { return false }
        return sortKey == ZaeLimiterSchema.bucketStateSortKey
            || sortKey.hasPrefix(ZaeLimiterSchema.sortKeyBucketPrefix)
    }

    /// The engine's filter with zae-limiter's criteria.
    public static var recordFilter: RecordFilter { .matching { accepts($0) } }
}
