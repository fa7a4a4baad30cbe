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

    static func sameItems(_ a: UsageDelta, _ b: UsageDelta) -> Bool {
        a.timestampMilliseconds == b.timestampMilliseconds && a.entityId == b.entityId && a.resource == b.resource
            && a.namespaceId == b.namespaceId
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
        let expectedItems = min(maxItems, entries.count * windows.count)
        var current = SnapshotCoalescer(windows: windows, expectedItems: expectedItems)
        var lastInChunk: SequenceNumber? = nil
        for (position, entry) in entries.enumerated() {
            if let first = entry.deltas.first, entry.deltas.allSatisfy({ Self.sameItems($0, first) }) {
                // A bucket record: all its deltas go to the same items (the common case, taken
                // without the per-group bookkeeping below; same decisions).
                let targets = current.targets(of: first)
                var found = current.lookup(targets)
                if let last = lastInChunk, current.count + current.newItemCount(for: targets, found: found) > maxItems {
                    chunks.append(WriteChunk(updates: current.updates, checkpoint: last))
                    current = SnapshotCoalescer(windows: windows, expectedItems: expectedItems)
                    found = Array(repeating: nil, count: targets.count)
                }
                let at = current.resolve(targets, found: found, first: first)
                for delta in entry.deltas {
                    if !current.add(delta, at: at) { overflowed.append((position, delta)) }
                }
                lastInChunk = entry.sequenceNumber
                continue
            }
            // The deltas of one record share their items; compute them once per item set.
            var targets: [[SnapshotCoalescer.Target]] = []
            var groupOf: [Int] = []
            for (offset, delta) in entry.deltas.enumerated() {
                if offset > 0, Self.sameItems(delta, entry.deltas[offset - 1]) {
                    groupOf.append(groupOf[offset - 1])
                } else {
                    groupOf.append(targets.count)
                    targets.append(current.targets(of: delta))
                }
            }
            var found = targets.map { current.lookup($0) }
            if let last = lastInChunk, current.count + current.newItemCount(for: targets, found: found) > maxItems {
                chunks.append(WriteChunk(updates: current.updates, checkpoint: last))
                current = SnapshotCoalescer(windows: windows, expectedItems: expectedItems)
                found = targets.map { Array(repeating: nil, count: $0.count) }
            }
            var positions: [[Int]?] = Array(repeating: nil, count: targets.count)
            for (offset, delta) in entry.deltas.enumerated() {
                let group = groupOf[offset]
                // Only the first group resolves before anything of this record was added.
                let at =
                    positions[group]
                    ?? current.resolve(
                        targets[group], found: group == 0 ? found[0] : current.lookup(targets[group]), first: delta)
                positions[group] = at
                if !current.add(delta, at: at) { overflowed.append((position, delta)) }
            }
            lastInChunk = entry.sequenceNumber
        }
        chunks.append(WriteChunk(updates: current.updates, checkpoint: batchEnd))
        return (chunks, overflowed)
    }
}
