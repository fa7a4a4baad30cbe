import AWSDynamoDB

// The shard's lanes: claiming them, their checkpoints, and changes of the lane count
// (docs/leases.md). What to do is `LaneSet`'s answer; this file performs the writes. On the queue.
extension ShardConsumer {
    /// Claims the lanes, reads their checkpoints, builds and initializes the processors and the
    /// fetcher. Returns true when the lease is already at SHARD_END. Runs on the queue.
    func initialize() throws -> Bool {
        let store = self.store ?? dependencies.makeLeaseStore()
        self.store = store
        if lease.checkpoint == .shardEnd { return true }
        lanes = []
        laneSet = LaneSet(count: 0)
        let desired = dependencies.tunables().parallelizationFactor
        let checkpoints: [SequenceNumber?]
        let laneCount: Int
        if let stored = lease.laneCount {
            laneCount = stored
            checkpoints = try claimLanes(count: stored, reset: false)
        } else {
            // No lanes yet: start them empty (overwriting leftovers of an interrupted run).
            laneCount = desired
            checkpoints = try claimLanes(count: desired, reset: true)
            lease.laneCount = desired
            try updateLease()
        }
        var previous: LaneSet.Previous?
        if let count = lease.previousLaneCount {
            previous = LaneSet.Previous(count: count, checkpoints: try claimLanes(count: count, reset: false))
        }
        try makeLanes(LaneSet(count: laneCount, previous: previous), checkpoints: checkpoints)
        let position = LaneSet.resumePosition(checkpoints: laneCheckpoints, lease: lease.checkpoint)
        logger.info(
            "shard consumer initialized",
            metadata: [
                "lanes": "\(laneCount)", "position": "\(position)", "previousLanes": "\(lease.previousLaneCount ?? 0)",
            ])
        fetcher = RecordFetcher(
            client: dependencies.makeStreamsClient(), streamArn: dependencies.streamArn, shardId: shardId,
            start: position, metrics: dependencies.metrics, clock: dependencies.clock, logger: logger,
            keyFilter: dependencies.filter.keyFilter)
        publishCheckpoint()
        return false
    }

    private func claimLanes(count: Int, reset: Bool) throws -> [SequenceNumber?] {
        guard let store else { return [] }
        return try LaneKey.all(shardId: shardId, laneCount: count).map { key in
            let outcome =
                reset
                ? try store.resetLane(key, owner: dependencies.workerId, claim: claim, checkpoint: nil)
                : try store.claimLane(key, owner: dependencies.workerId, claim: claim)
            guard case .claimed(let checkpoint) = outcome else { throw LeaseLostError(shardId: shardId) }
            return checkpoint
        }
    }

    /// Builds one `Lane` per lane of `set`, each starting at its checkpoint; `lanes` and
    /// `laneSet` change together, so they always describe the same lanes.
    private func makeLanes(_ set: LaneSet, checkpoints: [SequenceNumber?]) throws {
        var made: [Lane] = []
        for key in set.keys(shardId: shardId) {
            let processor = dependencies.processorFactory.makeProcessor(
                shardId: shardId, lane: key.lane, laneCount: set.count)
            try processor.initialize(
                InitializationInput(
                    streamArn: dependencies.streamArn, shardId: shardId, lane: key.lane, laneCount: set.count,
                    checkpoint: checkpoints[key.lane]))
            let writer = LaneCheckpointWriter(
                key: key, fence: LaneFence(owner: dependencies.workerId, claim: claim),
                store: dependencies.makeLeaseStore(), checkpoint: checkpoints[key.lane], clock: dependencies.clock,
                stop: stop)
            let onProgress = dependencies.onProgress
            let component = ConsumerComponent.shardConsumer(shardId: shardId)
            writer.heartbeat = { onProgress(component) }
            made.append(
                Lane(
                    index: key.lane, laneCount: set.count, processor: processor, checkpointWriter: writer,
                    shardId: shardId))
        }
        lanes = made
        laneSet = set
    }

    /// Every lane's committed checkpoint, in lane order (nil for a lane without one).
    var laneCheckpoints: [SequenceNumber?] { lanes.map(\.checkpointWriter.lastCheckpoint) }

    /// Moves every lane to `lastProcessed` (lanes without records in the last batches).
    /// `force` writes even lanes that were checkpointed recently.
    func advanceIdleLanes(skipping busy: Set<Int> = [], force: Bool) throws {
        guard let lastProcessed else { return }
        let now = dependencies.clock.now()
        for lane in lanes where !busy.contains(lane.index) {
            let writer = lane.checkpointWriter
            if let current = writer.lastCheckpoint, current >= lastProcessed { continue }
            // While a change settles, the sooner the new lanes pass the old checkpoints, the
            // sooner the old lanes stop filtering.
            let due =
                force || writer.lastCheckpoint == nil || laneSet.isChanging
                || now - writer.lastWriteAt >= dependencies.idleLaneCheckpointInterval
            if due { try writer.checkpoint(to: lastProcessed) }
        }
    }

    /// Switches to `count` lanes at a batch boundary, unless an earlier change is still settling.
    ///
    /// Every lane is first brought to the last processed record; `LaneSet.change` then decides
    /// where the new lanes start and whether the old checkpoints must keep filtering records
    /// (a lane's write failed, or a crash left them uneven).
    func changeLaneCount(to count: Int) throws {
        guard let store, laneSet.needsChange(to: count) else { return }
        try? advanceIdleLanes(force: true)
        let old = laneSet
        let change = old.change(to: count, from: laneCheckpoints)
        for lane in lanes {
            try? lane.processor.shutdownRequested(ShutdownRequestedInput(shardId: shardId))
        }
        for key in change.next.keys(shardId: shardId) {
            let outcome = try store.resetLane(
                key, owner: dependencies.workerId, claim: claim, checkpoint: change.start)
            guard case .claimed = outcome else { throw LeaseLostError(shardId: shardId) }
        }
        lease.laneCount = count
        lease.previousLaneCount = change.next.previous?.count
        try updateLease()
        if !change.next.isChanging { try? store.deleteLanes(old.keys(shardId: shardId)) }
        try makeLanes(change.next, checkpoints: Array(repeating: change.start, count: count))
        logger.info(
            "lane count changed",
            metadata: ["from": "\(old.count)", "to": "\(count)", "filtering": "\(change.next.isChanging)"])
    }

    /// Ends a lane count change once every new lane passed the highest old checkpoint.
    func finishLaneChangeIfDone() throws {
        guard let store, laneSet.canSettle(checkpoints: laneCheckpoints) else { return }
        let retired = laneSet.previousKeys(shardId: shardId)
        lease.previousLaneCount = nil
        try updateLease()
        laneSet = laneSet.settled()
        try? store.deleteLanes(retired)
        logger.info("lane count change settled", metadata: ["lanes": "\(laneSet.count)"])
    }

    /// Writes the lease's non-ownership fields; a lost race means the lease is gone.
    func updateLease() throws {
        guard let store else { return }
        lease.owner = dependencies.workerId
        if let lowest = lowestCheckpoint, lease.checkpoint != .shardEnd { lease.checkpoint = lowest }
        guard case .taken(let updated) = try store.updateLease(lease) else { throw LeaseLostError(shardId: shardId) }
        lease.checkpoint = updated.checkpoint
    }

    /// Publishes the lowest lane checkpoint for the lease renewals and the status.
    func publishCheckpoint() {
        let lowest = LaneSet.lowest(laneCheckpoints).map { LeaseCheckpoint.sequence($0) }
        publish { $0.lowestCheckpoint = lowest }
    }

    /// What the lanes of this shard share for one batch: lanes report liveness as this shard's
    /// progress (a lane backing off is still making attempts) and their conditions to its status.
    func laneContext() -> Lane.Context {
        let onProgress = dependencies.onProgress
        let component = ConsumerComponent.shardConsumer(shardId: shardId)
        let clock = dependencies.clock
        let leaseConfirmed = dependencies.leaseConfirmed
        let shardId = shardId
        return Lane.Context(
            streamArn: dependencies.streamArn, shardId: shardId, destination: dependencies.destination,
            metrics: dependencies.metrics, clock: dependencies.clock, stop: stop, logger: logger,
            heartbeat: { onProgress(component) },
            report: { [weak self] lane, condition in
                let now = clock.now()
                self?.publish { snapshot in
                    snapshot.laneConditions[lane] = condition
                    // Shown while the lane is held up, not only after the batch.
                    if let condition {
                        snapshot.lastError = condition.lastError
                        snapshot.lastErrorAt = now
                    }
                }
            },
            leaseConfirmed: { leaseConfirmed(shardId) })
    }
}
