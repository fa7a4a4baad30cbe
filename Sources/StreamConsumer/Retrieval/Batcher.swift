import AWSDynamoDB

/// Gathers fetched records into batches: a batch is due when it reaches the batch size, when the
/// batching window has passed since its first record arrived, or at shard end.
struct Batcher: Sendable {
    private(set) var pending: [StreamRecord] = []
    private var firstArrival: Duration?

    var isEmpty: Bool { pending.isEmpty }

    mutating func add(_ records: [StreamRecord], now: Duration) {
        guard !records.isEmpty else { return }
        if pending.isEmpty { firstArrival = now }
        pending += records
    }

    /// Whether a batch should be delivered now.
    func isDue(now: Duration, batchSize: Int, window: Duration, atShardEnd: Bool) -> Bool {
        guard let firstArrival, !pending.isEmpty else { return false }
        return pending.count >= batchSize || atShardEnd || now - firstArrival >= window
    }

    /// Time left until the window makes the pending batch due (nil when nothing is pending).
    func timeUntilDue(now: Duration, window: Duration) -> Duration? {
        guard let firstArrival, !pending.isEmpty else { return nil }
        return max(.zero, window - (now - firstArrival))
    }

    /// Removes and returns the next batch (at most `batchSize` records).
    mutating func take(batchSize: Int, now: Duration) -> [StreamRecord] {
        let batch = Array(pending.prefix(batchSize))
        pending.removeFirst(batch.count)
        firstArrival = pending.isEmpty ? nil : now
        return batch
    }

    /// Drops pending records at or below `sequenceNumber` (already processed).
    mutating func drop(through sequenceNumber: SequenceNumber) {
        pending.removeAll { $0.sequenceNumber <= sequenceNumber }
        if pending.isEmpty { firstArrival = nil }
    }

    /// Drops everything pending (the iterator was replaced; the records come again).
    mutating func reset() {
        pending = []
        firstArrival = nil
    }
}
