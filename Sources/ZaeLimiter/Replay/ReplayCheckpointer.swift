import AWSDynamoDB
import StreamConsumer

/// The checkpointer spool replay hands the `UsageAggregator`: instead of a lane checkpoint, each
/// transaction's fenced action puts a replay marker for the record, conditioned on the marker not
/// existing yet. The snapshot updates and the marker commit together or not at all, so a record
/// replayed a second time (another run, another host, a retried call whose reply was lost) fails
/// the condition and is reported as already replayed — the aggregator throws `LeaseLostError`.
///
/// Markers live in the lease table, key `spool-replay#<shardId>#<sequenceNumber>#<eventID>[#<n>]`
/// (the event id too: a record's identity is its shard and sequence number on DynamoDB, but moto
/// gives the records of one transaction the same sequence number), with
/// `laneOf = "spool-replay"` so that lease listings skip them. Used by one thread.
final class ReplayCheckpointer: Checkpointer {
    static let markerKind = "spool-replay"

    let tableName: String
    let shardId: String
    let replayedAt: Int64
    /// Transactions of the current record so far (a record's deltas normally fit one).
    private var transactions = 0
    /// The event id of the current record.
    private var eventID = ""
    private(set) var lastCheckpoint: SequenceNumber?

    init(tableName: String, shardId: String, replayedAt: Int64) {
        self.tableName = tableName
        self.shardId = shardId
        self.replayedAt = replayedAt
    }

    /// Starts a new record (its markers count from 0 again).
    func begin(eventID: String) {
        self.eventID = eventID
        transactions = 0
        lastCheckpoint = nil
    }

    /// The marker key of a record's `index`-th transaction.
    static func markerKey(shardId: String, sequenceNumber: SequenceNumber, eventID: String, index: Int) -> String {
        let base = "\(markerKind)#\(shardId)#\(sequenceNumber.digits)#\(eventID)"
        return index == 0 ? base : "\(base)#\(index)"
    }

    func fencedCheckpoint(to sequenceNumber: SequenceNumber) -> TransactWriteItem {
        let key = Self.markerKey(
            shardId: shardId, sequenceNumber: sequenceNumber, eventID: eventID, index: transactions)
        transactions += 1
        return .put(
            PutItemInput(
                tableName: tableName,
                item: [
                    "leaseKey": .s(key), "laneOf": .s(Self.markerKind), "replayedAt": .n(String(replayedAt)),
                ],
                expression: ExpressionParts(conditionExpression: "attribute_not_exists(leaseKey)")))
    }

    func committed(to sequenceNumber: SequenceNumber) {
        lastCheckpoint = sequenceNumber
    }

    /// A record without snapshot effects (ignored, or every limit rejected): nothing to mark.
    func checkpoint(to sequenceNumber: SequenceNumber) throws {
        lastCheckpoint = sequenceNumber
    }
}
