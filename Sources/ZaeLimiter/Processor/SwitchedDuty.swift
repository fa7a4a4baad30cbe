import AWSDynamoDB

/// A duty that runs only while `isEnabled` says so, read on every batch (a reloadable switch
/// such as `duties.propagate_shard_count`). A skipped batch is simply not maintained by it; the
/// next enabled batch carries on.
public final class SwitchedDuty: BatchDuty {
    private let duty: BatchDuty
    private let isEnabled: @Sendable () -> Bool
    private var ranThisBatch = false

    public var name: String { duty.name }

    public init(_ duty: BatchDuty, isEnabled: @escaping @Sendable () -> Bool) {
        self.duty = duty
        self.isEnabled = isEnabled
    }

    public func perform(_ batch: DutyBatch) throws {
        // Decided once per batch, so `willCheckpoint` follows the same decision.
        ranThisBatch = isEnabled()
        if ranThisBatch { try duty.perform(batch) }
    }

    public func willCheckpoint(through sequenceNumber: SequenceNumber) throws {
        if ranThisBatch { try duty.willCheckpoint(through: sequenceNumber) }
    }
}
