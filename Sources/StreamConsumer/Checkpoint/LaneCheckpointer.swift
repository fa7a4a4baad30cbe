import AWSCore
import AWSDynamoDB
import Foundation

/// The `Checkpointer` of one lane: fenced writes of the lane's checkpoint item.
///
/// Used from the lane's queue while a batch runs and from the shard's queue between batches
/// (the shard waits for its lanes, so the two never overlap).
final class LaneCheckpointer: Checkpointer, @unchecked Sendable {
    // All fields are used by one queue at a time (lane queue during a batch, shard queue between
    // batches; the dispatch group wait orders them), hence no lock.
    let key: LaneKey
    let owner: String
    private let store: LeaseStore
    private let stop: StopSignal
    private let clock: ConsumerClock
    private(set) var lastCheckpoint: SequenceNumber?
    /// Monotonic time of the last write (or of the claim), for idle-lane advancing.
    var lastWriteAt: Duration

    init(
        key: LaneKey, owner: String, store: LeaseStore, checkpoint: SequenceNumber?, clock: ConsumerClock,
        stop: StopSignal
    ) {
        self.key = key
        self.owner = owner
        self.store = store
        self.lastCheckpoint = checkpoint
        self.lastWriteAt = clock.now()
        self.clock = clock
        self.stop = stop
    }

    func fencedCheckpoint(to sequenceNumber: SequenceNumber) -> TransactWriteItem {
        store.fencedLaneCheckpoint(key, owner: owner, previous: lastCheckpoint, next: sequenceNumber)
    }

    func committed(to sequenceNumber: SequenceNumber) {
        if lastCheckpoint.map({ $0 < sequenceNumber }) ?? true {
            lastCheckpoint = sequenceNumber
            lastWriteAt = clock.now()
        }
    }

    /// Writes the checkpoint; transient failures are retried with backoff until the write
    /// succeeds, the lease is lost, or the shard stops (then `AWSError` kind `.cancelled`).
    func checkpoint(to sequenceNumber: SequenceNumber) throws {
        if let lastCheckpoint, lastCheckpoint >= sequenceNumber { return }
        var attempt = 0
        let backoff = Backoff(base: .milliseconds(50), cap: .seconds(5))
        while true {
            attempt += 1
            do {
                switch try store.checkpointLane(key, owner: owner, previous: lastCheckpoint, next: sequenceNumber) {
                case .written:
                    lastCheckpoint = sequenceNumber
                    lastWriteAt = clock.now()
                    return
                case .lostRace:
                    throw LeaseLostError(shardId: key.shardId)
                }
            } catch let error as AWSError where error.isRetryable {
                if stop.wait(backoff.delay(attempt: attempt)) {
                    throw AWSError(
                        kind: .cancelled, code: "ShardStopping", message: "checkpoint abandoned at shutdown",
                        operation: "UpdateItem", attempt: attempt)
                }
            }
        }
    }
}
