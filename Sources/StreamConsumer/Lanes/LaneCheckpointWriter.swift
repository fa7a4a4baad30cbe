import AWSCore
import AWSDynamoDB
import Foundation

/// Writes one lane's checkpoint after its batch: the `Checkpointer` handle the lane's processor
/// gets. Every write is fenced on the lane's owner, claim and previous checkpoint, whether it
/// goes in the processor's transaction (`fencedCheckpoint`) or on its own (`checkpoint(to:)`).
/// It stores nothing itself: the lane item lives in the `LeaseStore` (the checkpoint store).
///
/// Used from the lane's queue while a batch runs and from the shard's queue between batches
/// (the shard waits for its lanes, so the two never overlap).
final class LaneCheckpointWriter: Checkpointer, @unchecked Sendable {
    // All fields are used by one queue at a time (lane queue during a batch, shard queue between
    // batches; the dispatch group wait orders them), hence no lock.

    /// What a re-read of the lane item after a failed fence showed.
    enum Recheck: Equatable {
        /// Another worker (or a newer claim of this one) owns the lane: the lease is lost.
        case lost
        /// Still ours, and the stored checkpoint was ahead: a commit whose reply was lost.
        /// `lastCheckpoint` now has it.
        case adopted
        /// Still ours and unchanged: the failure was not the fence.
        case unchanged
    }

    let key: LaneKey
    let fence: LaneFence
    private let store: LeaseStore
    private let stop: StopLatch
    private let clock: ConsumerClock
    private(set) var lastCheckpoint: SequenceNumber?
    /// Monotonic time of the last write (or of the claim), for idle-lane advancing.
    var lastWriteAt: Duration
    /// Liveness for the watchdog, reported before every write attempt (a checkpoint retried
    /// through a throttling spell is making attempts, not wedged).
    var heartbeat: @Sendable () -> Void = {}

    init(
        key: LaneKey, fence: LaneFence, store: LeaseStore, checkpoint: SequenceNumber?, clock: ConsumerClock,
        stop: StopLatch
    ) {
        self.key = key
        self.fence = fence
        self.store = store
        self.lastCheckpoint = checkpoint
        self.lastWriteAt = clock.now()
        self.clock = clock
        self.stop = stop
    }

    func fencedCheckpoint(to sequenceNumber: SequenceNumber) -> TransactWriteItem {
        store.fencedLaneCheckpoint(key, fence: fence, previous: lastCheckpoint, next: sequenceNumber)
    }

    func committed(to sequenceNumber: SequenceNumber) {
        if lastCheckpoint.map({ $0 < sequenceNumber }) ?? true {
            lastCheckpoint = sequenceNumber
            lastWriteAt = clock.now()
        }
    }

    /// Writes the checkpoint; transient failures are retried with backoff until the write
    /// succeeds, the lease is lost (`LeaseLostError`), or the shard stops (`AWSError` kind
    /// `.cancelled`). A failed fence is re-read: a write of ours whose reply was lost counts.
    func checkpoint(to sequenceNumber: SequenceNumber) throws {
        var attempt = 0
        let backoff = Backoff(base: .milliseconds(50), cap: .seconds(5))
        while true {
            if let lastCheckpoint, lastCheckpoint >= sequenceNumber { return }
            heartbeat()
            attempt += 1
            do {
                switch try store.checkpointLane(key, fence: fence, previous: lastCheckpoint, next: sequenceNumber) {
                case .written:
                    committed(to: sequenceNumber)
                    return
                case .lostRace:
                    switch try recheck() {
                    case .lost: throw LeaseLostError(shardId: key.shardId)
                    case .adopted: continue
                    case .unchanged:
                        // Should not happen (the fence matched on re-read); retry after a pause
                        // rather than spin.
                        throw AWSError(
                            kind: .transient, code: "FenceRecheckUnchanged",
                            message: "lane unchanged after a failed fence",
                            operation: "UpdateItem", attempt: attempt)
                    }
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

    /// Re-reads the lane item after a fenced write failed (consistent read).
    func recheck() throws -> Recheck {
        guard let state = try store.readLane(key), state.owner == fence.owner, state.claim == fence.claim else {
            return .lost
        }
        if let stored = state.checkpoint, lastCheckpoint.map({ stored > $0 }) ?? true {
            committed(to: stored)
            return .adopted
        }
        return .unchanged
    }
}
