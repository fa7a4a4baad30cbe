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
        case .modify: return isBucketSortKey(record.newImageValue(named: "SK")?.s)
        case .remove: return isAuditPartitionKey(record.oldImageValue(named: "PK")?.s)
        default:
            return false
        }
    }

    /// The same criteria read from the Keys (`SK` for MODIFY, `PK` for REMOVE: key attributes,
    /// which a MODIFY's NewImage and a REMOVE's OldImage hold as the Keys do), so the decoder
    /// passes over the images of the records left out, as the stack's event source mapping keeps
    /// them from the Lambda. The decoder checks that the images hold `PK` and `SK` as the Keys
    /// do before it skips them, so `accepts` decides every record as on its full images.
    public static let keyFilter = RecordKeyFilter(attributeNames: ["PK", "SK"]) { eventName, keys in
        switch eventName {
        case .modify:
            return modifyVerdictFromBytes(keys) ?? isBucketSortKey(keys.value(named: "SK")?.s)
        case .remove:
            return isAuditPartitionKey(keys.value(named: "PK")?.s)
        default:
            return false
        }
    }

    /// A MODIFY passes on a bucket item's sort key: the one rule of `accepts` and `keyFilter`,
    /// which must agree for the decoder's skip to be safe.
    static func isBucketSortKey(_ sortKey: String?) -> Bool {
        guard let sortKey else { return false }
        return sortKey == ZaeLimiterSchema.bucketStateSortKey || sortKey.hasPrefix(ZaeLimiterSchema.sortKeyBucketPrefix)
    }

    /// A REMOVE passes on an audit item's partition key (both verdicts, as above).
    static func isAuditPartitionKey(_ partitionKey: String?) -> Bool {
        partitionKey.map(AuditEventEncoder.isAuditPartitionKey) ?? false
    }

    /// The MODIFY verdict read from the Keys' SK bytes without building a string: nil (ask the
    /// string comparisons) when the Keys have escapes or the SK text is not all ASCII, where
    /// `==` and `hasPrefix` compare characters, not bytes. For ASCII text the two agree.
    static func modifyVerdictFromBytes(_ keys: LazyItem) -> Bool? {
        guard !keys.hasEscapes else { return nil }
        return keys.withAttributes { view -> Bool? in
            guard let index = view.attributes.indices.last(where: { view.name($0).elementsEqual("SK".utf8) }) else {
                return false
            }
            guard view.attributes[index].type == .s else { return false }
            let text = view.text(index)
            guard text.allSatisfy({ $0 < 0x80 }) else { return nil }
            return text.elementsEqual(ZaeLimiterSchema.bucketStateSortKey.utf8)
                || text.starts(with: ZaeLimiterSchema.sortKeyBucketPrefix.utf8)
        }
    }

    /// The engine's filter with zae-limiter's criteria.
    public static var recordFilter: RecordFilter { .keyed(keyFilter) { accepts($0) } }
}
