import AWSDynamoDB

/// The lanes of one shard: how many there are, and, while a change of the lane count settles,
/// the old lanes whose checkpoints still filter records (docs/leases.md).
///
/// A plain value owned by the shard's queue; it does no I/O. The lanes' own checkpoints live in
/// their `LaneCheckpointWriter`s, so every question that needs them takes them in lane order
/// (`checkpoints[i]` is lane i's, nil before its first).
struct LaneSet: Sendable, Equatable {
    /// The old lanes of a change that has not settled, with their checkpoints as claimed.
    struct Previous: Sendable, Equatable {
        var count: Int
        var checkpoints: [SequenceNumber?]
    }

    /// A planned switch to another lane count (`LaneSet.change(to:from:)`).
    struct Change: Sendable, Equatable {
        /// The lanes after the switch; its `previous` is set when the old lanes must keep filtering.
        var next: LaneSet
        /// The checkpoint every new lane starts at: the lowest old one, when every old lane has one.
        var start: SequenceNumber?
    }

    /// How many lanes records are hashed into (0 before the shard's lanes are claimed).
    let count: Int
    /// The old lanes while their checkpoints still filter records; nil when no change is settling.
    let previous: Previous?

    init(count: Int, previous: Previous? = nil) {
        self.count = count
        self.previous = previous
    }

    /// Whether a change of the lane count has not settled yet.
    var isChanging: Bool { previous != nil }

    /// The lane items of the current lanes.
    func keys(shardId: String) -> [LaneKey] {
        LaneKey.all(shardId: shardId, laneCount: count)
    }

    /// The lane items of the old lanes (none when no change is settling).
    func previousKeys(shardId: String) -> [LaneKey] {
        previous.map { LaneKey.all(shardId: shardId, laneCount: $0.count) } ?? []
    }

    /// The lane a record belongs to.
    func lane(of record: StreamRecord) -> Int {
        LaneHasher.lane(of: record, laneCount: count)
    }

    /// Splits records (in stream order) into the lanes' slices, leaving out every record that
    /// was already applied: at or below its lane's checkpoint, or, while a change settles, at or
    /// below its old lane's checkpoint.
    func slices<Records: Sequence<StreamRecord>>(
        _ records: Records, checkpoints: [SequenceNumber?]
    ) -> [[StreamRecord]] {
        var slices = Array(repeating: [StreamRecord](), count: count)
        for record in records {
            let lane = lane(of: record)
            if !alreadyApplied(record, checkpoint: checkpoints[lane]) { slices[lane].append(record) }
        }
        return slices
    }

    private func alreadyApplied(_ record: StreamRecord, checkpoint: SequenceNumber?) -> Bool {
        if let checkpoint, record.sequenceNumber <= checkpoint { return true }
        if let previous {
            let oldLane = LaneHasher.lane(of: record, laneCount: previous.count)
            if let checkpoint = previous.checkpoints[oldLane], record.sequenceNumber <= checkpoint { return true }
        }
        return false
    }

    /// Whether the configured lane count asks for a switch now: it differs, and no earlier
    /// change is still settling (that one is finished first).
    func needsChange(to desired: Int) -> Bool {
        previous == nil && desired != count
    }

    /// Plans the switch to `newCount` lanes from the current lanes' `checkpoints` (taken after
    /// every lane was brought to the last processed record).
    ///
    /// The new lanes start at the lowest old checkpoint. When the old lanes are level (or none
    /// has a checkpoint) that is all; otherwise the old checkpoints keep filtering records until
    /// the new lanes pass the highest of them.
    func change(to newCount: Int, from checkpoints: [SequenceNumber?]) -> Change {
        let known = checkpoints.compactMap { $0 }
        let floor = Self.lowest(checkpoints)
        let level = known.isEmpty || (floor != nil && floor == known.max())
        let previous = level ? nil : Previous(count: count, checkpoints: checkpoints)
        return Change(next: LaneSet(count: newCount, previous: previous), start: floor)
    }

    /// Whether a settling change is done: every current lane has a checkpoint at or above the
    /// highest old one. False when no change is settling.
    func canSettle(checkpoints: [SequenceNumber?]) -> Bool {
        guard let previous, let lowest = Self.lowest(checkpoints) else { return false }
        guard let highest = previous.checkpoints.compactMap({ $0 }).max() else { return true }
        return lowest >= highest
    }

    /// The same lanes with the old ones dropped (after `canSettle`).
    func settled() -> LaneSet {
        LaneSet(count: count)
    }

    /// The lowest checkpoint when every lane has one; nil otherwise (a lane without a checkpoint
    /// may still owe any record).
    static func lowest(_ checkpoints: [SequenceNumber?]) -> SequenceNumber? {
        var lowest: SequenceNumber?
        for checkpoint in checkpoints {
            guard let checkpoint else { return nil }
            lowest = min(lowest ?? checkpoint, checkpoint)
        }
        return lowest
    }

    /// Where fetching resumes: after the lowest lane checkpoint when every lane has one,
    /// otherwise from the lease's own `checkpoint`, but never after a checkpoint some lane has.
    static func resumePosition(checkpoints: [SequenceNumber?], lease: LeaseCheckpoint) -> ShardIteratorPosition {
        let known = checkpoints.compactMap { $0 }
        if let lowest = lowest(checkpoints) { return .afterSequenceNumber(lowest) }
        switch lease {
        case .sequence(let base):
            return .afterSequenceNumber(min(base, known.min() ?? base))
        case .trimHorizon, .shardEnd:
            return .trimHorizon
        case .latest:
            // Some lanes moved past LATEST before a crash: resume there rather than skip ahead.
            return known.min().map { .afterSequenceNumber($0) } ?? .latest
        }
    }
}
