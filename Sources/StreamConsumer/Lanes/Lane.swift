import AWSCore
import AWSDynamoDB
import Dispatch
import Logging

/// One lane of a shard: its processor, its checkpoint writer and its queue. Runs the lane's slice of
/// each batch with the retry, bisect and spool rules (see `FailureClass` for which failures use
/// them and which are waited out).
final class Lane: @unchecked Sendable {
    // `processor`, `checkpointWriter` and the counters are used by the lane's queue while a
    // batch runs and by the shard's queue between batches; the shard waits for the lane's work
    // item (DispatchGroup) before touching them, so they never overlap.
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
        var stop: StopLatch
        var logger: Logger
        /// Liveness: called before every attempt and during backoff waits (the watchdog).
        var heartbeat: @Sendable () -> Void = {}
        /// The lane's condition changed (nil: it cleared); for the shard's status.
        var report: @Sendable (_ lane: Int, _ condition: LaneCondition?) -> Void = { _, _ in }
        /// Whether the shard's lease is confirmed; no attempt starts while it is not.
        var leaseConfirmed: @Sendable () -> Bool = { true }
    }

    let index: Int
    let laneCount: Int
    let processor: RecordProcessor
    let checkpointWriter: LaneCheckpointWriter
    let queue: DispatchQueue
    private(set) var retries = 0
    private(set) var bisects = 0
    private(set) var spooled = 0
    private(set) var processed = 0
    private(set) var lastError: String?
    /// When `lastError` happened (the consumer clock).
    private(set) var lastErrorAt: Duration?

    init(
        index: Int, laneCount: Int, processor: RecordProcessor, checkpointWriter: LaneCheckpointWriter, shardId: String
    ) {
        self.index = index
        self.laneCount = laneCount
        self.processor = processor
        self.checkpointWriter = checkpointWriter
        self.queue = DispatchQueue(label: "zael.shard.\(shardId).lane\(index)of\(laneCount)")
    }

    /// Processes `records` (this lane's, in stream order) and moves the lane checkpoint to `end`.
    ///
    /// Failures are handled by their `FailureClass`: weather is waited out, an environmental
    /// error halts the lane (slow retries) until it clears, and only deterministic failures use
    /// the retry / bisect / spool rules. Before every attempt, records older than
    /// `tunables.maxRecordAge` are spooled instead of processed.
    func run(_ records: [StreamRecord], end: SequenceNumber, tunables: ConsumerTunables, context: Context) -> Outcome {
        attempt(records, end: end, priorAttempts: 0, tunables: tunables, context: context)
    }

    private func attempt(
        _ records: [StreamRecord], end: SequenceNumber, priorAttempts: Int, tunables: ConsumerTunables, context: Context
    ) -> Outcome {
        var records = records
        // Processor calls, and the deterministic failures among them (the ones that count
        // against `maxRetryAttempts`).
        var deliveries = 0
        var failures = 0
        var lastFailure: Error?
        var condition: LaneCondition?
        let backoff = Backoff(base: tunables.retryBackoff, cap: tunables.maxRetryBackoff)
        let haltedBackoff = Backoff(base: tunables.maxRetryBackoff, cap: tunables.haltedRetryBackoff)
        defer { if condition != nil { context.report(index, nil) } }
        while true {
            context.heartbeat()
            // A batch that was running when the lease lapsed makes no further attempt (and so no
            // checkpoint) until a renewal confirms the lease, or the shard stops.
            while !context.leaseConfirmed() {
                if pause(Self.unconfirmedRecheck, context: context) { return .abandoned }
            }
            // Records the processor already committed are not delivered again.
            var remaining = records.filter { record in
                checkpointWriter.lastCheckpoint.map { record.sequenceNumber > $0 } ?? true
            }
            // Re-checked on every attempt: a record waited on for too long (throttling, an
            // outage, retrying forever) goes to the failure destination once it passes the age.
            let expired = Self.expired(remaining, maxAge: tunables.maxRecordAge, now: context.clock.wallSeconds())
            if !expired.isEmpty {
                guard
                    spool(
                        expired, reason: .maxRecordAgeExceeded, attempts: priorAttempts + deliveries,
                        error: lastFailure.map { "\($0)" }, context: context)
                else { return .abandoned }
                let gone = Set(expired.map(\.sequenceNumber))
                records.removeAll { gone.contains($0.sequenceNumber) }
                remaining.removeAll { gone.contains($0.sequenceNumber) }
            }
            do {
                if !remaining.isEmpty {
                    deliveries += 1
                    let batch = RecordBatch(
                        streamArn: context.streamArn, shardId: context.shardId, lane: index, laneCount: laneCount,
                        records: remaining, batchEnd: end, attempt: priorAttempts + deliveries)
                    try processor.process(batch, checkpointer: checkpointWriter)
                    processed += remaining.count
                    context.metrics.recordsProcessed.increment(by: remaining.count)
                }
                try checkpointWriter.checkpoint(to: end)
                if let condition {
                    context.logger.notice(
                        "lane recovered", metadata: ["lane": "\(index)", "condition": "\(condition)"])
                }
                return .completed
            } catch is LeaseLostError {
                // The processor's fenced write failed. A lost reply to our own commit (a
                // timeout, a client retry) looks the same: re-read before giving up the shard.
                switch try? checkpointWriter.recheck() {
                case .lost?: return .leaseLost
                case .adopted?: continue
                case .unchanged?, nil:
                    failures += 1
                    lastFailure = LeaseLostError(shardId: context.shardId)
                    note("fenced write failed but the lane is still ours", context: context)
                    context.metrics.error("processor")
                }
            } catch let error as AWSError where error.kind == .cancelled {
                return .abandoned
            } catch {
                lastFailure = error
                note("\(error)", context: context)
                switch FailureClass.of(error) {
                case .weather(let code):
                    condition = advance(condition, to: .throttled, code: code, error: error, context: context)
                    retries += 1
                    context.metrics.retries.increment()
                    context.metrics.error("throttling")
                    context.metrics.throttled(api: "processor")
                    if let condition, condition.attempts == 1 || condition.attempts.isMultiple(of: 20) {
                        context.logger.warning(
                            "processor throttled; retrying until it succeeds or the records pass max age",
                            metadata: ["lane": "\(index)", "condition": "\(condition)", "error": "\(error)"])
                    }
                    if pause(backoff.delay(attempt: condition?.attempts ?? 1), context: context) { return .abandoned }
                    continue
                case .environment(let code):
                    condition = advance(condition, to: .halted, code: code, error: error, context: context)
                    context.metrics.error("environment")
                    if let condition, condition.attempts == 1 || condition.attempts.isMultiple(of: 10) {
                        context.logger.error(
                            """
                            shard halted: AWS refuses for a reason retries cannot fix; nothing is passed or \
                            spooled, retrying slowly until the configuration or permissions are fixed
                            """,
                            metadata: ["lane": "\(index)", "condition": "\(condition)", "error": "\(error)"])
                    }
                    if pause(haltedBackoff.delay(attempt: condition?.attempts ?? 1), context: context) {
                        return .abandoned
                    }
                    continue
                case .deterministic:
                    failures += 1
                    context.metrics.error("processor")
                    context.logger.error(
                        "processor failed",
                        metadata: [
                            "lane": "\(index)", "attempt": "\(priorAttempts + deliveries)", "error": "\(error)",
                        ])
                }
            }
            if tunables.maxRetryAttempts < 0 || failures <= tunables.maxRetryAttempts {
                retries += 1
                context.metrics.retries.increment()
                if pause(backoff.delay(attempt: failures), context: context) { return .abandoned }
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
                    left, end: left.last!.sequenceNumber, priorAttempts: priorAttempts + deliveries,
                    tunables: tunables, context: context)
                guard first == .completed else { return first }
                return attempt(
                    right, end: end, priorAttempts: priorAttempts + deliveries, tunables: tunables, context: context)
            }
            context.logger.warning(
                "retries exhausted; sending records to the failure destination",
                metadata: ["lane": "\(index)", "records": "\(remaining.count)"])
            guard
                spool(
                    remaining, reason: .retriesExhausted, attempts: priorAttempts + deliveries,
                    error: lastFailure.map { "\($0)" }, context: context)
            else { return .abandoned }
            do {
                try checkpointWriter.checkpoint(to: end)
                return .completed
            } catch is LeaseLostError {
                return .leaseLost
            } catch {
                return .abandoned
            }
        }
    }

    /// The records older than `maxAge` at wall time `now` (none when there is no maximum).
    static func expired(_ records: [StreamRecord], maxAge: Duration?, now: Double) -> [StreamRecord] {
        guard let maxAge else { return [] }
        return records.filter { record in
            record.approximateCreationDateTime.map { now - $0 > maxAge.seconds } ?? false
        }
    }

    /// The condition after one more failed attempt of `kind`; a change of kind or code starts afresh.
    private func advance(
        _ condition: LaneCondition?, to kind: LaneCondition.Kind, code: String, error: Error, context: Context
    ) -> LaneCondition {
        var next =
            condition.flatMap { $0.kind == kind && $0.code == code ? $0 : nil }
            ?? LaneCondition(kind: kind, code: code, attempts: 0, since: context.clock.now())
        next.attempts += 1
        next.lastError = "\(error)"
        context.report(index, next)
        return next
    }

    private func note(_ error: String, context: Context) {
        lastError = error
        lastErrorAt = context.clock.now()
    }

    /// Waits `duration` unless the shard stops (true then), reporting liveness every couple of
    /// seconds: a lane that backs off is making attempts, not wedged.
    private func pause(_ duration: Duration, context: Context) -> Bool {
        var left = duration
        while left > .zero {
            let slice = min(left, Self.heartbeatInterval)
            if context.stop.wait(slice) { return true }
            context.heartbeat()
            left -= slice
        }
        return context.stop.isFired
    }

    /// The longest a waiting lane stays silent towards the watchdog.
    static let heartbeatInterval = Duration.seconds(2)

    /// How often a lane waiting for its lease to be confirmed looks again.
    static let unconfirmedRecheck = Duration.milliseconds(200)

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
                if pause(Backoff(base: .milliseconds(100), cap: .seconds(10)).delay(attempt: tries), context: context) {
                    return false
                }
            }
        }
    }
}
