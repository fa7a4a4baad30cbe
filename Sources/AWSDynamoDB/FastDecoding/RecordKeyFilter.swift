/// Which records can matter to a consumer, decided from a record's `eventName` and `Keys` alone,
/// so that `GetRecordsDecoder` can pass over the images of the others without validating or
/// indexing them (as an event source mapping's filter keeps records from the Lambda).
///
/// The contract that keeps decoding exact: the consumer's own record filter reads no image
/// attribute other than `attributeNames`, and for a record whose images hold those attributes
/// exactly as its Keys do (or, like the Keys, not at all) it returns false whenever this
/// returns false. The decoder skips an image only when it holds them so, byte for byte, and no
/// member name in it has an escape: a skipped record is one that filter would have left out.
/// It comes back as a `GetRecordsOutput.skipped` entry (its place among the decoded records, its
/// sequence number and creation time), not as a `StreamRecord`. Everything else is decoded as
/// without the filter.
public struct RecordKeyFilter: Sendable {
    let verdict: @Sendable (StreamRecord.EventName, LazyItem) -> Bool
    /// The names' UTF-8 (at most 8 names).
    let names: [[UInt8]]

    /// `accepts(eventName, keys)`: whether the record's images are wanted, for a filter that
    /// reads the images' `attributeNames` (key attributes; at most 8) and nothing else of them.
    public init(
        attributeNames: [String], _ accepts: @escaping @Sendable (StreamRecord.EventName, LazyItem) -> Bool
    ) {
        precondition(attributeNames.count <= 8, "a RecordKeyFilter reads at most 8 attributes")
        verdict = accepts
        names = attributeNames.map { Array($0.utf8) }
    }

    /// Whether a record with this event name and these Keys may pass the consumer's filter.
    public func accepts(_ eventName: StreamRecord.EventName, keys: LazyItem) -> Bool {
        verdict(eventName, keys)
    }
}
