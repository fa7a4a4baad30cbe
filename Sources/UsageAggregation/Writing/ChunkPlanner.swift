import AWSDynamoDB

/// One transaction's worth of a lane batch: coalesced updates plus where the checkpoint goes.
public struct WriteChunk: Sendable {
    public var updates: [SnapshotUpdate]
    /// Where this chunk's fenced checkpoint moves the lane.
    public var checkpoint: SequenceNumber
}

/// Cuts a lane batch into chunks of at most `maxItems` snapshot items, at record boundaries.
///
/// Each chunk checkpoints to its last record; the last chunk to `batchEnd` (the whole fetched
/// batch's end, which may lie past this lane's last record). The limit of 100 actions leaves
/// 99 for items. A record touches at most one item per window (all its limits are counters on
/// the same items), so with `maxItems` ≥ the window count every record fits in one chunk and is
/// committed atomically with a checkpoint; `maxItems` is raised to the window count if needed.
public struct ChunkPlanner: Sendable {
    public var windows: [UsageWindow]
    public var maxItems: Int

    public init(windows: [UsageWindow], maxItems: Int = 99) {
        self.windows = windows
        self.maxItems = max(maxItems, windows.count, 1)
    }

    /// A record's deltas, in stream order.
    public struct Entry: Sendable {
        public var sequenceNumber: SequenceNumber
        public var deltas: [UsageDelta]
        public init(sequenceNumber: SequenceNumber, deltas: [UsageDelta]) {
            self.sequenceNumber = sequenceNumber
            self.deltas = deltas
        }
    }

    /// The chunks (never empty: the last one carries `batchEnd`), and the deltas refused because
    /// a sum would overflow, with the index of their entry.
    public func plan(_ entries: [Entry], batchEnd: SequenceNumber) -> (
        chunks: [WriteChunk], overflowed: [(entry: Int, delta: UsageDelta)]
    ) {
        var chunks: [WriteChunk] = []
        var overflowed: [(Int, UsageDelta)] = []
        var current = SnapshotCoalescer(windows: windows)
        var lastInChunk: SequenceNumber? = nil
        for (position, entry) in entries.enumerated() {
            let targets = entry.deltas.map { current.targets(of: $0) }
            if let last = lastInChunk, current.count + current.newItemCount(for: targets) > maxItems {
                chunks.append(WriteChunk(updates: current.updates, checkpoint: last))
                current = SnapshotCoalescer(windows: windows)
            }
            for (delta, list) in zip(entry.deltas, targets) where !current.add(delta, targets: list) {
                overflowed.append((position, delta))
            }
            lastInChunk = entry.sequenceNumber
        }
        chunks.append(WriteChunk(updates: current.updates, checkpoint: batchEnd))
        return (chunks, overflowed)
    }
}
