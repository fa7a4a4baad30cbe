import AWSDynamoDB

/// One transaction's worth of a lane batch: coalesced updates plus where the checkpoint goes.
public struct WriteChunk: Sendable {
    public var updates: [SnapshotUpdate]
    /// Where this chunk's fenced checkpoint moves the lane; nil for a partial chunk of a record
    /// too large for one transaction whose predecessor is unknown (then it carries no fence).
    public var checkpoint: SequenceNumber?
    /// Whether `checkpoint` moves the lane forward (false for the partial chunks of a record
    /// too large for one transaction: they fence on the position before it).
    public var advances: Bool
}

/// Cuts a lane batch into chunks of at most `maxItems` snapshot items, at record boundaries.
///
/// Each chunk checkpoints to its last record; the last chunk to `batchEnd` (the whole fetched
/// batch's end, which may lie past this lane's last record). A record that alone touches more
/// than `maxItems` items (over 49 limits with two windows) cannot be atomic with its
/// checkpoint: its parts go in several transactions fenced on the position before it, and
/// that one record is applied at least once. The limit of 100 actions leaves 99 for items.
public struct ChunkPlanner: Sendable {
    public var windows: [UsageWindow]
    public var maxItems: Int

    public init(windows: [UsageWindow], maxItems: Int = 99) {
        self.windows = windows
        self.maxItems = max(1, maxItems)
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

    /// The chunks, and the indices (into `entries`) of deltas refused because a sum would
    /// overflow.
    public func plan(
        _ entries: [Entry], previousCheckpoint: SequenceNumber?, batchEnd: SequenceNumber
    ) -> (chunks: [WriteChunk], overflowed: [(entry: Int, delta: UsageDelta)]) {
        var chunks: [WriteChunk] = []
        var overflowed: [(Int, UsageDelta)] = []
        var current = SnapshotCoalescer(windows: windows)
        var lastInChunk: SequenceNumber? = nil
        var before = previousCheckpoint

        for (position, entry) in entries.enumerated() {
            let fresh = current.newItemCount(for: entry.deltas)
            if current.count + fresh > maxItems, !current.isEmpty {
                chunks.append(WriteChunk(updates: current.updates, checkpoint: lastInChunk, advances: true))
                current = SnapshotCoalescer(windows: windows)
                before = lastInChunk
            }
            if current.newItemCount(for: entry.deltas) > maxItems {
                // Too large for any transaction: split this record alone.
                for delta in entry.deltas {
                    if current.count + current.newItemCount(for: [delta]) > maxItems, !current.isEmpty {
                        chunks.append(WriteChunk(updates: current.updates, checkpoint: before, advances: false))
                        current = SnapshotCoalescer(windows: windows)
                    }
                    if !current.add(delta) { overflowed.append((position, delta)) }
                }
            } else {
                for delta in entry.deltas where !current.add(delta) { overflowed.append((position, delta)) }
            }
            lastInChunk = entry.sequenceNumber
        }
        chunks.append(WriteChunk(updates: current.updates, checkpoint: batchEnd, advances: true))
        return (chunks, overflowed)
    }
}
