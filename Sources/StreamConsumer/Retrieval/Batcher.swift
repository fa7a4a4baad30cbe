import AWSDynamoDB

/// Gathers fetched records into batches: a batch is due when it reaches the batch size, when the
/// batching window has passed since its first record arrived, or at shard end.
///
/// Each record keeps the time it arrived (as the caller estimates it), so that the records left
/// over after a batch is cut keep their own first arrival rather than starting a new window.
struct Batcher: Sendable {
    private(set) var pending: [StreamRecord] = []
    /// When each pending record arrived, parallel to `pending` (never decreasing).
    private var arrivals: [Duration] = []

    var isEmpty: Bool { pending.isEmpty }

    /// Adds fetched records that arrived at `arrivedAt` (a lower bound, see `RetrievalStateMachine`).
    mutating func add(_ records: [StreamRecord], arrivedAt: Duration) {
        guard !records.isEmpty else { return }
        // Arrival times never go back, so the first pending record is always the oldest.
        let at = max(arrivedAt, arrivals.last ?? arrivedAt)
        pending += records
        arrivals += repeatElement(at, count: records.count)
    }

    /// When the batching window makes the pending batch due (nil when nothing is pending).
    func dueAt(window: Duration) -> Duration? {
        arrivals.first.map { $0 + window }
    }

    /// Whether a batch should be delivered now.
    func isDue(now: Duration, batchSize: Int, window: Duration, atShardEnd: Bool) -> Bool {
        guard let dueAt = dueAt(window: window) else { return false }
        return pending.count >= batchSize || atShardEnd || now >= dueAt
    }

    /// Time left until the window makes the pending batch due (nil when nothing is pending).
    func timeUntilDue(now: Duration, window: Duration) -> Duration? {
        dueAt(window: window).map { max(.zero, $0 - now) }
    }

    /// Removes and returns the next batch (at most `batchSize` records).
    mutating func take(batchSize: Int) -> [StreamRecord] {
        let count = min(batchSize, pending.count)
        let batch = Array(pending.prefix(count))
        pending.removeFirst(count)
        arrivals.removeFirst(count)
        return batch
    }

    /// Drops pending records at or below `sequenceNumber` (already processed).
    mutating func drop(through sequenceNumber: SequenceNumber) {
        let keep = pending.indices.filter { pending[$0].sequenceNumber > sequenceNumber }
        guard keep.count != pending.count else { return }
        pending = keep.map { pending[$0] }
        arrivals = keep.map { arrivals[$0] }
    }

    /// Drops everything pending (the iterator was replaced; the records come again).
    mutating func reset() {
        pending = []
        arrivals = []
    }
}
