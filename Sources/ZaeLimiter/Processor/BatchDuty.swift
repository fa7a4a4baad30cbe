import AWSDynamoDB
import StreamConsumer

/// One of the Lambda's jobs besides the usage snapshots (bucket refill, shard doubling,
/// shard_count propagation, audit archival), run by the processor on every batch of a lane.
///
/// `UsageAggregator.process` calls each duty after the batch's records are parsed and before any
/// checkpoint of the batch is written, so a crash can delay a duty but never skip it. A duty's
/// writes must therefore be safe to replay (conditional updates, or an S3 key that a replay
/// overwrites). Called on the lane's thread; one instance per lane.
///
/// Errors: "someone else moved first" outcomes (ConditionalCheckFailed, TransactionCanceled by a
/// condition) are normal results, counted by the duty, not thrown. Anything thrown goes to the
/// engine's delivery rules with the whole batch, which is then delivered again (snapshots
/// included: nothing of it was committed yet).
public protocol BatchDuty: AnyObject {
    /// A bounded name for logs and metric labels (`refill`, `audit_archival`, …).
    var name: String { get }
    func perform(_ batch: DutyBatch) throws

    /// Called just before the lane's checkpoint moves to `sequenceNumber`: once per write chunk
    /// of an exactly-once batch (a large batch commits in several transactions, each moving the
    /// checkpoint), once at the batch end otherwise, always after `perform`. A duty whose
    /// writes must line up with checkpoints (audit archival: at most one object not yet covered
    /// by a checkpoint) writes here what lies at or below `sequenceNumber`. Thrown errors are
    /// handled as those of `perform`. Default: nothing.
    func willCheckpoint(through sequenceNumber: SequenceNumber) throws
}

extension BatchDuty {
    public func willCheckpoint(through sequenceNumber: SequenceNumber) throws {}
}

/// What a duty sees of one lane's batch.
public struct DutyBatch: Sendable {
    /// The lane's records, in stream order, as the record filter passed them.
    public var records: [StreamRecord]
    public var shardId: String
    public var lane: Int
    /// 1 on first delivery, then counts retries of these records.
    public var attempt: Int
    /// The one wall-clock instant of this batch, epoch milliseconds, as the Lambda takes one
    /// `now_ms` for all its duties.
    public var nowMilliseconds: Int64

    public init(records: [StreamRecord], shardId: String, lane: Int, attempt: Int, nowMilliseconds: Int64) {
        self.records = records
        self.shardId = shardId
        self.lane = lane
        self.attempt = attempt
        self.nowMilliseconds = nowMilliseconds
    }
}
