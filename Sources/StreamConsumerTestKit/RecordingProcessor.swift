import AWSCore
import AWSDynamoDB
import Foundation
import StreamConsumer

/// A processor that records what its lane saw, optionally fails, and either lets the engine
/// checkpoint or commits effects and checkpoint in one transaction of an `InMemoryLeaseTable`.
public final class RecordingProcessor: RecordProcessor {
    public enum Mode: Sendable {
        /// Return normally; the engine checkpoints.
        case engineCheckpoints
        /// Put one effect per record (id = sequence number) with the fenced checkpoint, at most
        /// 100 actions per transaction.
        case transactional(InMemoryLeaseTable)
    }

    let shardId: String
    let lane: Int
    let laneCount: Int
    let log: ProcessingLog
    let mode: Mode
    let failure: @Sendable (StreamRecord, Int) -> (any Error)?
    let delay: Duration

    init(
        shardId: String, lane: Int, laneCount: Int, log: ProcessingLog, mode: Mode,
        failure: @escaping @Sendable (StreamRecord, Int) -> (any Error)?, delay: Duration
    ) {
        self.shardId = shardId
        self.lane = lane
        self.laneCount = laneCount
        self.log = log
        self.mode = mode
        self.failure = failure
        self.delay = delay
    }

    public func initialize(_ input: InitializationInput) throws {
        log.event("initialize \(shardId) lane \(lane)/\(laneCount)")
    }

    public func process(_ batch: RecordBatch, checkpointer: Checkpointer) throws {
        if delay > .zero {
            let parts = delay.components
            Thread.sleep(forTimeInterval: Double(parts.seconds) + Double(parts.attoseconds) / 1e18)
        }
        var call = ProcessingLog.Call(
            shardId: batch.shardId, lane: batch.lane, laneCount: batch.laneCount,
            sequenceNumbers: batch.records.map(\.sequenceNumber), keys: batch.records.map { $0.keys["PK"]?.s ?? "" },
            attempt: batch.attempt, succeeded: false)
        for record in batch.records {
            if let error = failure(record, batch.attempt) {
                log.add(call)
                throw error
            }
        }
        if case .transactional(let table) = mode {
            var start = 0
            while start < batch.records.count {
                let chunk = batch.records[start..<min(batch.records.count, start + 99)]
                start += chunk.count
                let target = start == batch.records.count ? batch.batchEnd : chunk.last!.sequenceNumber
                do {
                    try table.commitEffects(
                        of: chunk, through: target, fencedBy: checkpointer.fencedCheckpoint(to: target),
                        shardId: shardId)
                } catch let error as LeaseLostError {
                    log.add(call)
                    throw error
                }
                checkpointer.committed(to: target)
            }
        }
        call.succeeded = true
        log.add(call)
    }

    public func leaseLost(_ input: LeaseLostInput) { log.event("leaseLost \(shardId) lane \(lane)") }
    public func shardEnded(_ input: ShardEndedInput) throws { log.event("shardEnded \(shardId) lane \(lane)") }
    public func shutdownRequested(_ input: ShutdownRequestedInput) throws {
        log.event("shutdownRequested \(shardId) lane \(lane)")
    }
}

/// The error scripted processors throw.
public struct TestFailure: Error, Sendable {
    public var message: String
}
