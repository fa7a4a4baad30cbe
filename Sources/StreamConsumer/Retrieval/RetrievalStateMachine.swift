import AWSCore
import AWSDynamoDB

/// The retrieval decisions of one shard as a plain value: when to fetch, how long to wait, when
/// a batch is due, whether to prefetch while lanes work, what a restart drops and which fetched
/// records were already processed. The shard consumer's queue owns it, reports events (a page
/// fetched, the iterator restarted, a fetch failed, a batch delivered) and performs the action
/// `tick` returns; tests drive it with plain durations, without threads or sleeps.
///
/// ```
///          tick ──► deliver(batch, prefetch) ─► lanes run (and the prefetch) ─► delivered
///           │  ╲
///           │   ╲─► wait(until next fetch or batch due) ─► tick
///           └────► fetch ─► pageFetched / restarted / shardEnded / fetchFailed ─► tick
///                                                       (all fetched and delivered) ─► finished
/// ```
///
/// Pacing after a page: a full page, or one whose newest record is more than `backlogAge` old,
/// fetches again at once (the shard is behind); a page with
/// records, or records still pending, waits `pendingPoll` (four calls a second, Lambda's pace);
/// an empty page with nothing pending waits the idle pause (`IdlePacing`). A wait never runs past
/// the moment the pending batch is due. A batch is due at `batchSize` records, at shard end, or
/// a batching window after its first record arrived, whatever the polling pace: a record is dated
/// from the last page that did not have it yet (it entered the stream after that page), so a
/// slow poll does not add to the window.
struct RetrievalStateMachine: Sendable {
    /// The settings the decisions use, taken from the tunables at each tick.
    struct Settings: Sendable, Equatable {
        var batchSize: Int
        var batchingWindow: Duration
        var idlePoll: Duration
        var maxIdlePoll: Duration
        var retryBackoff: Duration
        var maxRetryBackoff: Duration
        /// Idle pauses snap back to it (`WakeGrid`); nil: no snapping.
        var wakeGrid: WakeGrid?

        init(_ tunables: ConsumerTunables, wakeGrid: WakeGrid? = nil) {
            self.wakeGrid = wakeGrid
            batchSize = tunables.batchSize
            batchingWindow = tunables.batchingWindow
            idlePoll = tunables.idlePoll
            maxIdlePoll = tunables.maxIdlePoll
            retryBackoff = tunables.retryBackoff
            maxRetryBackoff = tunables.maxRetryBackoff
        }
    }

    enum Action: Sendable, Equatable {
        /// Call GetRecords (at most `pageLimit` records) and report the outcome.
        case fetch
        /// Nothing to do for this long (or until the stop signal).
        case wait(Duration)
        /// Run this batch through the lanes; when `prefetch`, fetch the next page while they
        /// run, then report `delivered` (or `deliveryAbandoned`).
        case deliver(Batcher.Batch, prefetch: Bool)
        /// Every record up to the shard end was fetched and delivered.
        case finished
    }

    /// Records asked for per GetRecords call: always the most (1000), since batches are cut from
    /// the buffer and fewer calls stay under the per-shard rate when the shard is behind. A page
    /// this full means the shard is behind. (Tests use smaller pages.)
    let pageLimit: Int
    /// The pace while records are pending or arriving: four calls a second, as Lambda's event
    /// source mapping polls a shard (never slower than the idle poll).
    static let pendingPoll = Duration.milliseconds(250)
    /// A page whose newest record is older than this was read from a backlog: the next page is
    /// fetched at once. ApproximateCreationDateTime is rounded down to the second, so a record
    /// at the tip of the stream reads up to a second old, plus the poll pace.
    static let backlogAge = Duration.seconds(2)

    private(set) var settings: Settings
    private var batcher = Batcher()
    /// The fetcher reported the end of the shard (a closed shard's last page, or a vanished shard).
    private(set) var fetchedShardEnd = false
    /// Highest sequence number of the last fully processed batch.
    private(set) var lastProcessed: SequenceNumber?
    /// Failed fetches in a row (the backoff attempt).
    private(set) var fetchFailures = 0
    /// When the current run of empty pages began; nil after records.
    private var emptySince: Duration?
    /// When the last page came back: records of the next page entered the stream after it.
    private var lastPageAt: Duration?
    /// No fetch before this (pacing and backoff).
    private var nextFetchAt: Duration = .zero
    /// The last sequence number of the batch the lanes are running, if any.
    private var inFlight: SequenceNumber?

    init(settings: Settings, pageLimit: Int = 1000) {
        self.settings = settings
        self.pageLimit = pageLimit
    }

    /// Records fetched and not yet delivered.
    var pendingCount: Int { batcher.count }

    /// The next action at `now`; `settings` are the current tunables.
    mutating func tick(now: Duration, settings: Settings) -> Action {
        self.settings = settings
        let due = batcher.isDue(
            now: now, batchSize: settings.batchSize, window: settings.batchingWindow, atShardEnd: fetchedShardEnd)
        if due, let batch = batcher.take(batchSize: settings.batchSize) {
            inFlight = batch.end
            // The next page is fetched during the batch unless the buffer already holds a batch.
            return .deliver(batch, prefetch: !fetchedShardEnd && batcher.count < settings.batchSize)
        }
        if fetchedShardEnd { return .finished }
        if now >= nextFetchAt { return .fetch }
        var until = nextFetchAt
        if let due = batcher.dueAt(window: settings.batchingWindow) { until = min(until, due) }
        return .wait(until - now)
    }

    /// A page came back at `now` (possibly empty); `atShardEnd` when the shard is fully read;
    /// `newestAge` is how long ago its last record entered the stream, when known.
    mutating func pageFetched(
        _ records: [StreamRecord], atShardEnd: Bool, now: Duration, newestAge: Duration? = nil
    ) {
        pageFetched(
            GetRecordsOutput(records: records, nextShardIterator: nil), atShardEnd: atShardEnd, now: now,
            newestAge: newestAge)
    }

    /// A page came back at `now`, its skipped records counted as the decoded ones.
    mutating func pageFetched(
        _ page: GetRecordsOutput, atShardEnd: Bool, now: Duration, newestAge: Duration? = nil
    ) {
        fetchFailures = 0
        // A restarted iterator (or a prefetch racing a restart) may bring processed records again.
        let fresh = page.remainder(droppingRecords: 0, skipped: 0, above: lastProcessed)
        batcher.add(fresh, arrivedAt: min(now, lastPageAt ?? now))
        lastPageAt = now
        fetchedShardEnd = atShardEnd
        if page.isEmpty {
            if emptySince == nil { emptySince = now }
        } else {
            emptySince = nil
        }
        // A full page, or one whose newest record is already old, means the shard is behind
        // (a page is also cut at 1 MB, so large records make short pages of a backlog). A
        // prefetched page is paced like any other, from when it came back: a batch that took
        // longer than the pause fetches at once.
        if atShardEnd || page.count >= pageLimit || (newestAge ?? .zero) > Self.backlogAge {
            nextFetchAt = now
        } else if !page.isEmpty || !batcher.isEmpty {
            nextFetchAt = now + min(Self.pendingPoll, settings.idlePoll)
        } else {
            let pause = IdlePacing.pause(
                emptyFor: now - (emptySince ?? now), idlePoll: settings.idlePoll,
                maxIdlePoll: settings.maxIdlePoll, batchingWindow: settings.batchingWindow)
            nextFetchAt = settings.wakeGrid?.aligned(now + pause, from: now) ?? now + pause
        }
    }

    /// The iterator was replaced: records fetched but not delivered come again, fetch at once.
    mutating func restarted(now: Duration) {
        batcher.reset()
        fetchedShardEnd = false
        nextFetchAt = now
    }

    /// The shard is gone or closed: what was fetched is still delivered, nothing more is fetched.
    mutating func shardEnded() {
        fetchedShardEnd = true
    }

    /// A fetch failed at `now`; `jitter` in 0…1 places the backoff (full jitter) in its range.
    mutating func fetchFailed(now: Duration, jitter: Double) {
        fetchFailures += 1
        let backoff = Backoff(base: settings.retryBackoff, cap: settings.maxRetryBackoff)
        nextFetchAt = now + backoff.delay(attempt: fetchFailures, jitter: jitter)
    }

    /// Every lane finished the batch that ends at `end`: it is processed.
    mutating func delivered(through end: SequenceNumber) {
        inFlight = nil
        lastProcessed = max(lastProcessed ?? end, end)
        // A prefetch that had to restart the iterator may have fetched this batch again.
        batcher.drop(through: end)
    }

    /// A lane gave up on the batch (the shard is stopping): it is not processed.
    mutating func deliveryAbandoned() {
        inFlight = nil
    }
}
