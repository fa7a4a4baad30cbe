import AWSCore
import AWSDynamoDB
import Dispatch
import Foundation

// Fetching, batching and processing; the shard end and shutdown steps. All on the queue.
// What to do when is decided by `RetrievalStateMachine`; this file performs its actions.
extension ShardConsumer {
    /// One step of the processing state: one action of the retrieval state machine (fetch a
    /// page, wait, or deliver a due batch). Returns true at shard end (every record processed).
    /// Throws `LeaseLostError`.
    func step() throws -> Bool {
        let tunables = dependencies.tunables()
        if laneSet.needsChange(to: tunables.parallelizationFactor) && retrieval.pendingCount == 0 && !stop.isFired {
            try changeLaneCount(to: tunables.parallelizationFactor)
        }
        let settings = RetrievalStateMachine.Settings(tunables, wakeGrid: dependencies.wakeGrid)
        switch retrieval.tick(now: dependencies.clock.now(), settings: settings) {
        case .fetch:
            fetchPage()
        case .wait(let pause):
            // Nothing due: let idle lanes catch up now and then so the resume point does not lag.
            try advanceIdleLanes(force: false)
            publishCheckpoint()
            stop.wait(pause)
        case .deliver(let batch, let prefetch):
            try deliver(batch, prefetch: prefetch, tunables: tunables)
        case .finished:
            return !stop.isFired
        }
        return false
    }

    /// Fetches one page and reports the outcome to the retrieval state machine.
    private func fetchPage() {
        guard let fetcher else { return }
        let outcome = fetcher.fetch(limit: retrieval.pageLimit, resumeAfter: retrieval.lastProcessed)
        let now = dependencies.clock.now()
        switch outcome {
        case .page(let page, let atShardEnd):
            let age: Duration? =
                page.isEmpty
                ? .zero
                : page.lastApproximateCreationDateTime.map {
                    .fromSeconds(dependencies.clock.wallSeconds() - $0)
                }
            retrieval.pageFetched(page, atShardEnd: atShardEnd, now: now, newestAge: age)
            if let age {
                publish { $0.iteratorAge = age }
                dependencies.metrics.iteratorAge(shardId: shardId, seconds: age.seconds)
            }
            if page.isEmpty { refreshCounters() }
        case .restarted(let reason):
            retrieval.restarted(now: now)
            publish {
                $0.lastError = reason
                $0.lastErrorAt = now
            }
        case .shardEnd:
            // Records already fetched are still delivered: they cannot be fetched again.
            retrieval.shardEnded()
        case .failed(let error):
            retrieval.fetchFailed(now: now, jitter: Double.random(in: 0...1))
            noteError(error)
        }
    }

    /// Splits a batch by lane, runs the lanes in parallel (prefetching the next page when asked)
    /// and waits for all of them. Its skipped records only move the checkpoints (to `batch.end`).
    private func deliver(_ batch: Batcher.Batch, prefetch: Bool, tunables: ConsumerTunables) throws {
        let end = batch.end
        let filter = dependencies.filter
        let slices = laneSet.slices(batch.records.lazy.filter { filter.accepts($0) }, checkpoints: laneCheckpoints)
        let context = laneContext()
        let outcomes = LaneOutcomes(count: lanes.count)
        let group = DispatchGroup()
        let clock = dependencies.clock
        let started = clock.now()
        for lane in lanes where !slices[lane.index].isEmpty {
            let slice = slices[lane.index]
            lane.queue.async(group: group) {
                let outcome = lane.run(slice, end: end, tunables: tunables, context: context)
                outcomes.set(lane.index, outcome, finishedAt: clock.now())
            }
        }
        if prefetch && !stop.isFired { fetchPage() }
        group.wait()
        let results = outcomes.all
        if results.contains(.leaseLost) { throw LeaseLostError(shardId: shardId) }
        refreshCounters()
        // An abandoned lane means the shard is stopping: the batch is not complete, and
        // `lastProcessed` must not pass it.
        guard !results.contains(.abandoned) else {
            retrieval.deliveryAbandoned()
            return
        }
        retrieval.delivered(through: end)
        dependencies.metrics.batches.increment()
        // The slowest lane's time, so an overlapping prefetch does not count as processing.
        let finished = outcomes.lastFinish ?? started
        dependencies.metrics.batchDuration.recordNanoseconds(Int64(max(0, (finished - started).seconds) * 1e9))
        let busy = Set(lanes.indices.filter { !slices[$0].isEmpty })
        try advanceIdleLanes(skipping: busy, force: false)
        try finishLaneChangeIfDone()
        publishCheckpoint()
    }

    private func refreshCounters() {
        let processed = lanes.reduce(0) { $0 + $1.processed }
        let retries = lanes.reduce(0) { $0 + $1.retries }
        let bisects = lanes.reduce(0) { $0 + $1.bisects }
        // The most recent lane error, so an old one does not hide a newer one.
        let latest = lanes.compactMap { lane in lane.lastErrorAt.map { (at: $0, text: lane.lastError ?? "") } }
            .max { $0.at < $1.at }
        let now = dependencies.clock.now()
        if now - rateWindow.start >= .seconds(5) || rateWindow.start == .zero {
            let elapsed = (now - rateWindow.start).seconds
            let rate = elapsed > 0 ? Double(processed - rateWindow.processed) / elapsed : 0
            rateWindow = (now, processed)
            publish { $0.recordsPerSecond = rate }
        }
        publish {
            $0.processed = processed
            $0.retries = retries
            $0.bisects = bisects
            if let latest, $0.lastErrorAt.map({ latest.at > $0 }) ?? true {
                $0.lastError = latest.text
                $0.lastErrorAt = latest.at
            }
        }
    }

    /// Every record is processed: checkpoint the lanes, tell the processors, write SHARD_END.
    func endShard() throws {
        try advanceIdleLanes(force: true)
        for lane in lanes {
            do {
                try lane.processor.shardEnded(ShardEndedInput(shardId: shardId))
            } catch {
                noteError(error)
            }
        }
        publish { $0.lowestCheckpoint = .shardEnd }
        lease.checkpoint = .shardEnd
        try updateLease()
        // The lane items (both generations while a lane count change settles) go only after the
        // lease is released at SHARD_END (on the lease loop, after any renewal that might still
        // carry an older checkpoint), so that a crash in between can never resume from a
        // position before the shard's end.
        endedLaneKeys = laneSet.keys(shardId: shardId) + laneSet.previousKeys(shardId: shardId)
        logger.info("shard ended", metadata: ["lastSequenceNumber": "\(lastProcessed?.digits ?? "-")"])
    }

    /// Graceful stop: processors flush, every lane is checkpointed at the last processed record
    /// (unless the lease is unconfirmed).
    func shutDown() {
        for lane in lanes {
            do {
                try lane.processor.shutdownRequested(ShutdownRequestedInput(shardId: shardId))
            } catch {
                noteError(error)
            }
        }
        // An unconfirmed lease writes no checkpoint: the records after the lanes' checkpoints
        // come again to whoever holds the shard next (fenced writes make that safe).
        guard dependencies.leaseConfirmed(shardId) else {
            logger.info("shutdown without checkpoints: the lease is unconfirmed")
            return
        }
        do {
            try advanceIdleLanes(force: true)
        } catch {
            noteError(error)
        }
        publishCheckpoint()
    }
}

/// Lane results of one batch, written from the lane queues.
private final class LaneOutcomes: @unchecked Sendable {
    // `outcomes` and `latest` are guarded by `lock`.
    private let lock = NSLock()
    private var outcomes: [Lane.Outcome]
    private var latest: Duration?

    init(count: Int) { outcomes = Array(repeating: .completed, count: count) }

    func set(_ index: Int, _ outcome: Lane.Outcome, finishedAt: Duration) {
        lock.withLock {
            outcomes[index] = outcome
            latest = max(latest ?? finishedAt, finishedAt)
        }
    }
    var all: [Lane.Outcome] { lock.withLock { outcomes } }
    /// When the last lane finished (nil when no lane ran).
    var lastFinish: Duration? { lock.withLock { latest } }
}
