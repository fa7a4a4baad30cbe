import AWSCore
import AWSDynamoDB
import Dispatch
import Logging

/// One lane of a shard: its processor, its checkpointer and its queue. Runs the lane's slice of
/// each batch with the retry, bisect and spool rules.
final class Lane: @unchecked Sendable {
    // `processor`, `checkpointer` and the counters are used by the lane's queue while a batch
    // runs and by the shard's queue between batches; the shard waits for the lane's work item
    // (DispatchGroup) before touching them, so they never overlap.
    enum Outcome: Sendable, Equatable {
        case completed
        case leaseLost
        /// The shard is stopping: the slice was left unfinished and not checkpointed.
        case abandoned
    }

    /// What every lane of a shard shares (values and thread-safe objects).
    struct Context: Sendable {
        var streamArn: String
        var shardId: String
        var destination: FailureDestination
        var metrics: ConsumerMetrics
        var clock: ConsumerClock
        var stop: StopSignal
        var logger: Logger
    }

    let index: Int
    let laneCount: Int
    let processor: RecordProcessor
    let checkpointer: LaneCheckpointer
    let queue: DispatchQueue
    private(set) var retries = 0
    private(set) var bisects = 0
    private(set) var spooled = 0
    private(set) var processed = 0
    private(set) var lastError: String?
    /// When `lastError` happened (the consumer clock).
    private(set) var lastErrorAt: Duration?

    init(index: Int, laneCount: Int, processor: RecordProcessor, checkpointer: LaneCheckpointer, shardId: String) {
        self.index = index
        self.laneCount = laneCount
        self.processor = processor
        self.checkpointer = checkpointer
        self.queue = DispatchQueue(label: "zael.shard.\(shardId).lane\(index)of\(laneCount)")
    }

    /// Processes `records` (this lane's, in stream order) and moves the lane checkpoint to `end`.
    /// Records older than `tunables.maxRecordAge` are spooled instead of processed.
    func run(_ records: [StreamRecord], end: SequenceNumber, tunables: ConsumerTunables, context: Context) -> Outcome {
        var fresh = records
        if let maxAge = tunables.maxRecordAge {
            let now = context.clock.wallSeconds()
            let old = records.filter { record in
                record.approximateCreationDateTime.map { now - $0 > maxAge.seconds } ?? false
            }
            if !old.isEmpty {
                fresh = records.filter { record in
                    !(record.approximateCreationDateTime.map { now - $0 > maxAge.seconds } ?? false)
                }
                guard spool(old, reason: .maxRecordAgeExceeded, attempts: 0, error: nil, context: context) else {
                    return .abandoned
                }
            }
        }
        return attempt(fresh, end: end, priorAttempts: 0, tunables: tunables, context: context)
    }

    private func attempt(
        _ records: [StreamRecord], end: SequenceNumber, priorAttempts: Int, tunables: ConsumerTunables, context: Context
    ) -> Outcome {
        var tries = 0
        var lastFailure: Error?
        let backoff = Backoff(base: tunables.retryBackoff, cap: tunables.maxRetryBackoff)
        while true {
            // Records the processor already committed are not delivered again.
            let remaining = records.filter { record in
                checkpointer.lastCheckpoint.map { record.sequenceNumber > $0 } ?? true
            }
            do {
                if !remaining.isEmpty {
                    tries += 1
                    let batch = RecordBatch(
                        streamArn: context.streamArn, shardId: context.shardId, lane: index, laneCount: laneCount,
                        records: remaining, batchEnd: end, attempt: priorAttempts + tries)
                    try processor.process(batch, checkpointer: checkpointer)
                    processed += remaining.count
                    context.metrics.recordsProcessed.increment(by: remaining.count)
                }
                try checkpointer.checkpoint(to: end)
                return .completed
            } catch is LeaseLostError {
                // The processor's fenced write failed. A lost reply to our own commit (a
                // timeout, a client retry) looks the same: re-read before giving up the shard.
                switch try? checkpointer.recheck() {
                case .lost?: return .leaseLost
                case .adopted?: continue
                case .unchanged?, nil:
                    lastFailure = LeaseLostError(shardId: context.shardId)
                    lastError = "fenced write failed but the lane is still ours"
                    lastErrorAt = context.clock.now()
                    context.metrics.error("processor")
                }
            } catch let error as AWSError where error.kind == .cancelled {
                return .abandoned
            } catch {
                lastFailure = error
                lastError = "\(error)"
                lastErrorAt = context.clock.now()
                context.metrics.error("processor")
                context.logger.error(
                    "processor failed",
                    metadata: ["lane": "\(index)", "attempt": "\(priorAttempts + tries)", "error": "\(error)"])
            }
            if tunables.maxRetryAttempts < 0 || tries <= tunables.maxRetryAttempts {
                retries += 1
                context.metrics.retries.increment()
                if context.stop.wait(backoff.delay(attempt: tries)) { return .abandoned }
                continue
            }
            if tunables.bisectOnError && remaining.count > 1 {
                // Halve until the failing record is alone; each half gets the full retry budget.
                bisects += 1
                context.metrics.bisects.increment()
                let middle = remaining.count / 2
                let left = Array(remaining[..<middle])
                let right = Array(remaining[middle...])
                let first = attempt(
                    left, end: left.last!.sequenceNumber, priorAttempts: priorAttempts + tries, tunables: tunables,
                    context: context)
                guard first == .completed else { return first }
                return attempt(
                    right, end: end, priorAttempts: priorAttempts + tries, tunables: tunables, context: context)
            }
            context.logger.warning(
                "retries exhausted; sending records to the failure destination",
                metadata: ["lane": "\(index)", "records": "\(remaining.count)"])
            guard
                spool(
                    remaining, reason: .retriesExhausted, attempts: priorAttempts + tries,
                    error: lastFailure.map { "\($0)" }, context: context)
            else { return .abandoned }
            do {
                try checkpointer.checkpoint(to: end)
                return .completed
            } catch is LeaseLostError {
                return .leaseLost
            } catch {
                return .abandoned
            }
        }
    }

    /// Sends records to the failure destination, retrying until it works; false when the shard
    /// stopped first (the records were then not checkpointed and come again).
    private func spool(
        _ records: [StreamRecord], reason: FailedRecords.Reason, attempts: Int, error: String?, context: Context
    ) -> Bool {
        let failure = FailedRecords(
            streamArn: context.streamArn, shardId: context.shardId, lane: index, reason: reason, attempts: attempts,
            lastError: error, records: records)
        var tries = 0
        while true {
            do {
                try context.destination.send(failure)
                spooled += records.count
                context.metrics.spooledRecords.increment(by: records.count)
                return true
            } catch {
                tries += 1
                context.metrics.error("failureDestination")
                context.logger.error("failure destination did not accept records", metadata: ["error": "\(error)"])
                if context.stop.wait(Backoff(base: .milliseconds(100), cap: .seconds(10)).delay(attempt: tries)) {
                    return false
                }
            }
        }
    }
}
