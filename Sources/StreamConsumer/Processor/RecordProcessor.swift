import AWSDynamoDB

/// What the shard consumer engine hands each lane: a processor that applies records.
///
/// Every method is called on the lane's own thread (shard workers and lanes are Dispatch
/// queues doing blocking I/O, so the protocol is synchronous). One instance serves one lane of
/// one shard for the life of a lease; it is never shared between lanes.
///
/// Contract of `process`: on a normal return every record of the batch has been applied and the
/// lane is checkpointed at `batch.batchEnd`. A processor that writes its effects and its
/// checkpoint together (exactly-once) uses `Checkpointer.fencedCheckpoint(to:)` inside its
/// transaction and reports `committed(to:)`; one that does not may simply return, and the
/// engine checkpoints for it. Throwing hands the batch to the engine's retry / bisect /
/// on-failure rules; records the processor already checkpointed are not delivered again.
/// Throwing `LeaseLostError` stops the shard without any further write.
public protocol RecordProcessor: AnyObject {
    func initialize(_ input: InitializationInput) throws
    func process(_ batch: RecordBatch, checkpointer: Checkpointer) throws
    /// The lease went to another worker: stop, write nothing.
    func leaseLost(_ input: LeaseLostInput)
    /// Every record of the shard was processed; the engine checkpoints SHARD_END afterwards.
    func shardEnded(_ input: ShardEndedInput) throws
    /// Graceful shutdown: flush what is pending; the engine then checkpoints and releases.
    func shutdownRequested(_ input: ShutdownRequestedInput) throws
}

/// Builds one processor per lane; called from the scheduler when a lease is taken.
public protocol RecordProcessorFactory: Sendable {
    func makeProcessor(shardId: String, lane: Int, laneCount: Int) -> RecordProcessor
}

/// One lane's slice of a fetched batch, in stream order.
public struct RecordBatch: Sendable {
    public var streamArn: String
    public var shardId: String
    public var lane: Int
    public var laneCount: Int
    /// The lane's records (already filtered, and without records at or below the lane's checkpoint).
    public var records: [StreamRecord]
    /// The highest sequence number of the whole fetched batch, every lane and filtered record
    /// included: once this lane's records are applied, its checkpoint may move here.
    public var batchEnd: SequenceNumber
    /// 1 on first delivery, then counts retries of these records.
    public var attempt: Int

    public init(
        streamArn: String, shardId: String, lane: Int, laneCount: Int, records: [StreamRecord],
        batchEnd: SequenceNumber, attempt: Int = 1
    ) {
        self.streamArn = streamArn
        self.shardId = shardId
        self.lane = lane
        self.laneCount = laneCount
        self.records = records
        self.batchEnd = batchEnd
        self.attempt = attempt
    }
}

/// The handle a processor uses to checkpoint its lane. Used from the lane's thread only.
public protocol Checkpointer: AnyObject {
    /// The lane's committed checkpoint; nil before the first one.
    var lastCheckpoint: SequenceNumber? { get }
    /// The write that moves this lane's checkpoint to `sequenceNumber`, fenced on lease
    /// ownership and on the checkpoint being unchanged since the last commit. Put it in a
    /// TransactWriteItems call with the effects; if that action's condition fails, the lease was
    /// lost: throw `LeaseLostError`. (The engine then re-reads the lane: if the failed
    /// transaction was a retry of one that had committed, it carries on from there.)
    func fencedCheckpoint(to sequenceNumber: SequenceNumber) -> TransactWriteItem
    /// Tells the checkpointer that a transaction holding `fencedCheckpoint(to:)` committed.
    func committed(to sequenceNumber: SequenceNumber)
    /// Writes the checkpoint on its own (fenced likewise). Throws `LeaseLostError` when the lease
    /// is gone, `AWSError` when the write failed after retries.
    func checkpoint(to sequenceNumber: SequenceNumber) throws
}

/// Thrown when a fenced write shows the lease belongs to someone else now.
public struct LeaseLostError: Error, Sendable, CustomStringConvertible {
    public var shardId: String
    public init(shardId: String) { self.shardId = shardId }
    public var description: String { "lease for shard \(shardId) was lost" }
}

public struct InitializationInput: Sendable {
    public var streamArn: String
    public var shardId: String
    public var lane: Int
    public var laneCount: Int
    public var checkpoint: SequenceNumber?
    public init(streamArn: String, shardId: String, lane: Int, laneCount: Int, checkpoint: SequenceNumber?) {
        self.streamArn = streamArn
        self.shardId = shardId
        self.lane = lane
        self.laneCount = laneCount
        self.checkpoint = checkpoint
    }
}

public struct LeaseLostInput: Sendable {
    public var shardId: String
    public init(shardId: String) { self.shardId = shardId }
}

public struct ShardEndedInput: Sendable {
    public var shardId: String
    public init(shardId: String) { self.shardId = shardId }
}

public struct ShutdownRequestedInput: Sendable {
    public var shardId: String
    public init(shardId: String) { self.shardId = shardId }
}
