import AWSCore
import AWSDynamoDB
import Dispatch
import Foundation

// Fetching, batching and processing; the shard end and shutdown steps. All on the queue.
extension ShardConsumer {
    /// Pause between GetRecords calls while records trickle in and a batch gathers.
    static let tricklePoll = Duration.milliseconds(200)

    /// One step of the processing state: fetch a page unless a batch is due, then deliver a due
    /// batch. Returns true at shard end (every record processed). Throws `LeaseLostError`.
    func step() throws -> Bool {
        let tunables = dependencies.tunables()
        if previousLanes == nil && tunables.parallelizationFactor != lanes.count && batcher.isEmpty && !stop.isFired {
            try changeLaneCount(to: tunables.parallelizationFactor)
        }
        let clock = dependencies.clock
        if !fetchedShardEnd
            && !batcher.isDue(
                now: clock.now(), batchSize: tunables.batchSize, window: tunables.batchingWindow, atShardEnd: false)
        {
            fetchPage(tunables: tunables)
        }
        if batcher.isDue(
            now: clock.now(), batchSize: tunables.batchSize, window: tunables.batchingWindow,
            atShardEnd: fetchedShardEnd)
        {
            try deliver(batcher.take(batchSize: tunables.batchSize, now: clock.now()), tunables: tunables)
        } else if !fetchedShardEnd {
            // Nothing due: let idle lanes catch up now and then so the resume point does not lag.
            try advanceIdleLanes(force: false)
            publishCheckpoint()
        }
        return fetchedShardEnd && batcher.isEmpty && !stop.isFired
    }

    /// Fetches one page into the batcher. `pausing` false (a prefetch while lanes run) skips
    /// the idle and backoff pauses: the batch in flight is the pause.
    private func fetchPage(tunables: ConsumerTunables, pausing: Bool = true) {
        guard let fetcher else { return }
        // Always the largest page: batches are cut from the buffer, and fewer calls stay well
        // under the per-shard GetRecords rate when the shard is behind.
        let limit = 1000
        switch fetcher.fetch(limit: limit, resumeAfter: lastProcessed) {
        case .page(let records, let atShardEnd):
            fetchFailures = 0
            let fresh = records.filter { record in lastProcessed.map { record.sequenceNumber > $0 } ?? true }
            batcher.add(fresh, now: dependencies.clock.now())
            fetchedShardEnd = atShardEnd
            let age: Duration? =
                records.isEmpty
                ? .zero
                : records.last!.approximateCreationDateTime.map {
                    .fromSeconds(dependencies.clock.wallSeconds() - $0)
                }
            if let age {
                publish { $0.iteratorAge = age }
                dependencies.metrics.iteratorAge(shardId: shardId, seconds: age.seconds)
            }
            if records.isEmpty {
                if emptySince == nil { emptySince = dependencies.clock.now() }
                refreshCounters()
            } else {
                emptySince = nil
            }
            guard pausing, !atShardEnd else { return }
            let now = dependencies.clock.now()
            let untilDue = batcher.timeUntilDue(now: now, window: tunables.batchingWindow)
            let due = batcher.isDue(
                now: now, batchSize: tunables.batchSize, window: tunables.batchingWindow, atShardEnd: false)
            if records.isEmpty {
                // Caught up: poll again after the idle pause (or when the pending batch is due).
                let pause = IdlePacing.pause(
                    emptyFor: now - (emptySince ?? now), idlePoll: tunables.idlePoll,
                    batchingWindow: tunables.batchingWindow)
                stop.wait(min(pause, untilDue ?? pause))
            } else if records.count < limit && !due {
                // A trickle while a batch gathers: at most about five calls a second per shard.
                stop.wait(min(Self.tricklePoll, untilDue ?? Self.tricklePoll))
            }
        // A full page means the shard is behind: fetch again at once.
        case .restarted(let reason):
            batcher.reset()
            fetchedShardEnd = false
            let now = dependencies.clock.now()
            publish {
                $0.lastError = reason
                $0.lastErrorAt = now
            }
        case .shardEnd:
            // Records already fetched are still delivered: they cannot be fetched again.
            fetchedShardEnd = true
        case .failed(let error):
            fetchFailures += 1
            noteError(error)
            if pausing {
                stop.wait(
                    Backoff(base: tunables.retryBackoff, cap: tunables.maxRetryBackoff).delay(attempt: fetchFailures))
            }
        }
    }

    /// Splits a batch by lane, runs the lanes in parallel and waits for all of them.
    private func deliver(_ records: [StreamRecord], tunables: ConsumerTunables) throws {
        guard let end = records.last?.sequenceNumber else { return }
        var slices = Array(repeating: [StreamRecord](), count: lanes.count)
        for record in records where dependencies.filter.accepts(record) {
            let lane = LaneHasher.lane(of: record, laneCount: lanes.count)
            if !alreadyApplied(record, lane: lane) { slices[lane].append(record) }
        }
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
        // Prefetch the next page while the lanes work, when the next batch is not complete yet.
        if !fetchedShardEnd && batcher.pending.count < tunables.batchSize && !stop.isFired {
            fetchPage(tunables: tunables, pausing: false)
        }
        group.wait()
        let results = outcomes.all
        if results.contains(.leaseLost) { throw LeaseLostError(shardId: shardId) }
        refreshCounters()
        // An abandoned lane means the shard is stopping: the batch is not complete, and
        // `lastProcessed` must not pass it.
        guard !results.contains(.abandoned) else { return }
        lastProcessed = end
        // A prefetch that had to restart the iterator may have fetched this batch again.
        batcher.drop(through: end)
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
        var keys: [LaneKey] = lanes.map(\.checkpointer.key)
        if let previous = previousLanes {
            keys += (0..<previous.count).map { LaneKey(shardId: shardId, lane: $0, laneCount: previous.count) }
        }
        // The lane items go only after the lease is released at SHARD_END (on the lease loop,
        // after any renewal that might still carry an older checkpoint), so that a crash in
        // between can never resume from a position before the shard's end.
        endedLaneKeys = keys
        logger.info("shard ended", metadata: ["lastSequenceNumber": "\(lastProcessed?.digits ?? "-")"])
    }

    /// Graceful stop: processors flush, every lane is checkpointed at the last processed record.
    func shutDown() {
        for lane in lanes {
            do {
                try lane.processor.shutdownRequested(ShutdownRequestedInput(shardId: shardId))
            } catch {
                noteError(error)
            }
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
