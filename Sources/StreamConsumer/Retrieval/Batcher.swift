import AWSDynamoDB

/// Gathers fetched records into batches: a batch is due when it reaches the batch size, when the
/// batching window has passed since its first record arrived, or at shard end.
///
/// Records are kept as the pages they came in (decoded records and the compact entries of records
/// the key filter skipped, `GetRecordsOutput.skipped`), read from a cursor: both count alike for
/// the batch size and the batch's end, and only decoded records are copied out. Each page keeps
/// the time it arrived (as the caller estimates it), so that the records left over after a batch
/// is cut keep their own first arrival rather than starting a new window.
struct Batcher: Sendable {
    /// A batch taken from the pending records.
    struct Batch: Sendable, Equatable {
        /// Its decoded records, in stream order (skipped ones are not processed).
        var records: [StreamRecord]
        /// The sequence number of its last record, decoded or skipped: where its checkpoint goes.
        var end: SequenceNumber
        /// Its records, decoded and skipped.
        var count: Int
    }

    private struct Page: Sendable {
        var output: GetRecordsOutput
        /// When its records arrived (never decreasing from page to page).
        var arrival: Duration
        /// The cursor: decoded and skipped records already taken.
        var takenRecords = 0
        var takenSkipped = 0

        var remaining: Int { output.count - takenRecords - takenSkipped }
    }

    private var pages: [Page] = []
    /// Records pending, decoded and skipped.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// The pending decoded records (tests).
    var pending: [StreamRecord] { pages.flatMap { $0.output.records[$0.takenRecords...] } }

    /// Adds a fetched page whose records arrived at `arrivedAt` (a lower bound, see
    /// `RetrievalStateMachine`).
    mutating func add(_ page: GetRecordsOutput, arrivedAt: Duration) {
        guard !page.isEmpty else { return }
        // Arrival times never go back, so the first pending record is always the oldest.
        let at = max(arrivedAt, pages.last?.arrival ?? arrivedAt)
        pages.append(Page(output: page, arrival: at))
        count += page.count
    }

    /// Adds fetched records, all decoded.
    mutating func add(_ records: [StreamRecord], arrivedAt: Duration) {
        add(GetRecordsOutput(records: records, nextShardIterator: nil), arrivedAt: arrivedAt)
    }

    /// When the batching window makes the pending batch due (nil when nothing is pending).
    func dueAt(window: Duration) -> Duration? {
        pages.first.map { $0.arrival + window }
    }

    /// Whether a batch should be delivered now.
    func isDue(now: Duration, batchSize: Int, window: Duration, atShardEnd: Bool) -> Bool {
        guard let dueAt = dueAt(window: window) else { return false }
        return count >= batchSize || atShardEnd || now >= dueAt
    }

    /// Time left until the window makes the pending batch due (nil when nothing is pending).
    func timeUntilDue(now: Duration, window: Duration) -> Duration? {
        dueAt(window: window).map { max(.zero, $0 - now) }
    }

    /// Removes and returns the next batch (at most `batchSize` records); nil when none is pending.
    mutating func take(batchSize: Int) -> Batch? {
        var left = min(batchSize, count)
        guard left > 0 else { return nil }
        let taken = left
        var records: [StreamRecord] = []
        var end: SequenceNumber?
        while left > 0, !pages.isEmpty {
            // The cursor walks the page in stream order: a skipped entry comes before the decoded
            // record at its position.
            let skipped = pages[0].output.skipped
            var lastSkipped: Int?
            while left > 0, pages[0].remaining > 0 {
                let next = pages[0].takenSkipped
                if next < skipped.count, skipped.position(next) <= pages[0].takenRecords {
                    lastSkipped = next
                    pages[0].takenSkipped += 1
                } else {
                    records.append(pages[0].output.records[pages[0].takenRecords])
                    lastSkipped = nil
                    pages[0].takenRecords += 1
                }
                left -= 1
            }
            end = lastSkipped.map { skipped.sequenceNumber($0) } ?? records.last?.sequenceNumber
            if pages[0].remaining == 0 { pages.removeFirst() }
        }
        count -= taken
        return end.map { Batch(records: records, end: $0, count: taken) }
    }

    /// Drops pending records at or below `sequenceNumber` (already processed).
    mutating func drop(through sequenceNumber: SequenceNumber) {
        var kept: [Page] = []
        kept.reserveCapacity(pages.count)
        count = 0
        for page in pages {
            // The usual case: nothing pending was processed; the page and its cursor stay.
            if page.output.isAbove(sequenceNumber, afterRecords: page.takenRecords, skipped: page.takenSkipped) {
                kept.append(page)
                count += page.remaining
                continue
            }
            let rest = page.output.remainder(
                droppingRecords: page.takenRecords, skipped: page.takenSkipped, above: sequenceNumber)
            guard !rest.isEmpty else { continue }
            kept.append(Page(output: rest, arrival: page.arrival))
            count += rest.count
        }
        pages = kept
    }

    /// Drops everything pending (the iterator was replaced; the records come again).
    mutating func reset() {
        pages = []
        count = 0
    }
}
