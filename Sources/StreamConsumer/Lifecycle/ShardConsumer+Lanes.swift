import AWSDynamoDB

// Lane checkpoints, resume position and changes of the lane count (docs/leases.md).
extension ShardConsumer {
    /// Claims the lanes, reads their checkpoints, builds and initializes the processors and the
    /// fetcher. Returns true when the lease is already at SHARD_END. Runs on the queue.
    func initialize() throws -> Bool {
        let store = self.store ?? dependencies.makeLeaseStore()
        self.store = store
        if lease.checkpoint == .shardEnd { return true }
        lanes = []
        previousLanes = nil
        let desired = dependencies.tunables().parallelizationFactor
        var checkpoints: [SequenceNumber?]
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
        if let previous = lease.previousLaneCount {
            previousLanes = (previous, try claimLanes(count: previous, reset: false))
        }
        try makeLanes(count: laneCount, checkpoints: checkpoints)
        let position = resumePosition()
        logger.info(
            "shard consumer initialized",
            metadata: [
                "lanes": "\(laneCount)", "position": "\(position)", "previousLanes": "\(lease.previousLaneCount ?? 0)",
            ])
        fetcher = RecordFetcher(
            client: dependencies.makeStreamsClient(), streamArn: dependencies.streamArn, shardId: shardId,
            start: position, metrics: dependencies.metrics, clock: dependencies.clock, logger: logger)
        publishCheckpoint()
        return false
    }

    private func claimLanes(count: Int, reset: Bool) throws -> [SequenceNumber?] {
        guard let store else { return [] }
        return try (0..<count).map { lane in
            let key = LaneKey(shardId: shardId, lane: lane, laneCount: count)
            let outcome =
                reset
                ? try store.resetLane(key, owner: dependencies.workerId, claim: claim, checkpoint: nil)
                : try store.claimLane(key, owner: dependencies.workerId, claim: claim)
            guard case .claimed(let checkpoint) = outcome else { throw LeaseLostError(shardId: shardId) }
            return checkpoint
        }
    }

    private func makeLanes(count: Int, checkpoints: [SequenceNumber?]) throws {
        var made: [Lane] = []
        for index in 0..<count {
            let processor = dependencies.processorFactory.makeProcessor(shardId: shardId, lane: index, laneCount: count)
            try processor.initialize(
                InitializationInput(
                    streamArn: dependencies.streamArn, shardId: shardId, lane: index, laneCount: count,
                    checkpoint: checkpoints[index]))
            let checkpointer = LaneCheckpointer(
                key: LaneKey(shardId: shardId, lane: index, laneCount: count),
                fence: LaneFence(owner: dependencies.workerId, claim: claim),
                store: dependencies.makeLeaseStore(), checkpoint: checkpoints[index], clock: dependencies.clock,
                stop: stop)
            let onProgress = dependencies.onProgress
            let component = ConsumerComponent.shardConsumer(shardId: shardId)
            checkpointer.heartbeat = { onProgress(component) }
            made.append(
                Lane(index: index, laneCount: count, processor: processor, checkpointer: checkpointer, shardId: shardId)
            )
        }
        lanes = made
    }

    /// Where fetching resumes: after the lowest lane checkpoint, or the lease's position.
    func resumePosition() -> ShardIteratorPosition {
        let checkpoints = lanes.map(\.checkpointer.lastCheckpoint)
        let known = checkpoints.compactMap { $0 }
        if let lowest = known.min(), known.count == checkpoints.count { return .afterSequenceNumber(lowest) }
        switch lease.checkpoint {
        case .sequence(let base):
            return .afterSequenceNumber(min(base, known.min() ?? base))
        case .trimHorizon, .shardEnd:
            return .trimHorizon
        case .latest:
            // Some lanes moved past LATEST before a crash: resume there rather than skip ahead.
            return known.min().map { .afterSequenceNumber($0) } ?? .latest
        }
    }

    /// Whether a record was already applied: at or below its lane's checkpoint, or (while a
    /// lane count change settles) at or below its old lane's checkpoint.
    func alreadyApplied(_ record: StreamRecord, lane: Int) -> Bool {
        if let checkpoint = lanes[lane].checkpointer.lastCheckpoint, record.sequenceNumber <= checkpoint { return true }
        if let previous = previousLanes {
            let oldLane = LaneHasher.lane(of: record, laneCount: previous.count)
            if let checkpoint = previous.checkpoints[oldLane], record.sequenceNumber <= checkpoint { return true }
        }
        return false
    }

    /// Moves every lane to `lastProcessed` (lanes without records in the last batches).
    /// `force` writes even lanes that were checkpointed recently.
    func advanceIdleLanes(skipping busy: Set<Int> = [], force: Bool) throws {
        guard let lastProcessed else { return }
        let now = dependencies.clock.now()
        for lane in lanes where !busy.contains(lane.index) {
            let checkpointer = lane.checkpointer
            if let current = checkpointer.lastCheckpoint, current >= lastProcessed { continue }
            let due =
                force || checkpointer.lastCheckpoint == nil || previousLanes != nil
                || now - checkpointer.lastWriteAt >= dependencies.idleLaneCheckpointInterval
            if due { try checkpointer.checkpoint(to: lastProcessed) }
        }
    }

    /// Switches to `count` lanes at a batch boundary (no old lanes may still filter records).
    ///
    /// Every lane is first brought to the last processed record; if they are then level, the
    /// new lanes simply start there. Otherwise (a lane's write failed, or a crash left them
    /// uneven) the old checkpoints stay as a filter until the new lanes pass the highest one.
    func changeLaneCount(to count: Int) throws {
        guard let store, previousLanes == nil, count != lanes.count else { return }
        try? advanceIdleLanes(force: true)
        let old = lanes.map(\.checkpointer.lastCheckpoint)
        let oldCount = lanes.count
        let known = old.compactMap { $0 }
        let floor = known.count == old.count ? known.min() : nil
        let level = known.isEmpty || (floor != nil && floor == known.max())
        for lane in lanes {
            try? lane.processor.shutdownRequested(ShutdownRequestedInput(shardId: shardId))
        }
        for index in 0..<count {
            let outcome = try store.resetLane(
                LaneKey(shardId: shardId, lane: index, laneCount: count), owner: dependencies.workerId, claim: claim,
                checkpoint: floor)
            guard case .claimed = outcome else { throw LeaseLostError(shardId: shardId) }
        }
        lease.laneCount = count
        lease.previousLaneCount = level ? nil : oldCount
        try updateLease()
        if level {
            try? store.deleteLanes((0..<oldCount).map { LaneKey(shardId: shardId, lane: $0, laneCount: oldCount) })
        } else {
            previousLanes = (oldCount, old)
        }
        try makeLanes(count: count, checkpoints: Array(repeating: floor, count: count))
        logger.info(
            "lane count changed", metadata: ["from": "\(oldCount)", "to": "\(count)", "filtering": "\(!level)"])
    }

    /// Ends a lane count change once every new lane passed the highest old checkpoint.
    func finishLaneChangeIfDone() throws {
        guard let previous = previousLanes, let store else { return }
        let current = lanes.map(\.checkpointer.lastCheckpoint)
        guard current.allSatisfy({ $0 != nil }) else { return }
        if let highest = previous.checkpoints.compactMap({ $0 }).max(), current.compactMap({ $0 }).min()! < highest {
            return
        }
        lease.previousLaneCount = nil
        try updateLease()
        previousLanes = nil
        try? store.deleteLanes(
            (0..<previous.count).map { LaneKey(shardId: shardId, lane: $0, laneCount: previous.count) })
        logger.info("lane count change settled", metadata: ["lanes": "\(lanes.count)"])
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
        let checkpoints = lanes.map(\.checkpointer.lastCheckpoint)
        let lowest: LeaseCheckpoint? =
            checkpoints.allSatisfy({ $0 != nil }) ? checkpoints.compactMap({ $0 }).min().map { .sequence($0) } : nil
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
