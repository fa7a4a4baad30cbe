import AWSDynamoDB
import StreamConsumer

/// zae-limiter's event source filter: which stream records reach the processor.
///
/// MODIFY records of bucket items (`NewImage.SK = "#STATE"`, as the stack's FilterCriteria
/// says, or the older `#BUCKET#…` sort key that the reference processor also reads), and
/// REMOVE records of audit items (`OldImage.PK` is `{ns}/AUDIT#…` or an un-namespaced
/// `AUDIT#…`), which audit archival reads. Audit REMOVEs pass whether archival is enabled or
/// not: they are rare (one per TTL-expired audit event), the snapshot parser ignores every
/// non-MODIFY record, and the checkpoint moves past them like past any other record. Records
/// left out still move the checkpoint. The key layout stays here so the engine never learns
/// zae-limiter's schema.
public enum ZaeLimiterRecordFilter {
    /// Whether `record` goes to the processor. Called on a shard's queue; reads one key
    /// attribute, so a lazily decoded record is not materialised.
    public static func accepts(_ record: StreamRecord) -> Bool {
        switch record.eventName {
        case .modify:
            guard let sortKey = record.newImageValue(named: "SK")?.s else { return false }
            return sortKey == ZaeLimiterSchema.bucketStateSortKey
                || sortKey.hasPrefix(ZaeLimiterSchema.sortKeyBucketPrefix)
        case .remove:
            guard let partitionKey = record.oldImageValue(named: "PK")?.s else { return false }
            return AuditEventEncoder.isAuditPartitionKey(partitionKey)
        default:
            return false
        }
    }

    /// The engine's filter with zae-limiter's criteria.
    public static var recordFilter: RecordFilter { .matching { accepts($0) } }
}
