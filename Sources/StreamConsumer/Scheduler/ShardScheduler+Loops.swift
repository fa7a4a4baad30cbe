import AWSCore
import AWSDynamoDB
import Foundation

extension ShardScheduler {
    /// DescribeStream every `shardSyncInterval` (sooner after a shard end).
    func shardSyncLoop() {
        let detector = ShardDetector(client: makeStreamsClient(), streamArn: configuration.streamArn, logger: logger)
        while !stopLoops.isFired {
            do {
                let listed = try detector.listShards()
                lock.withLock {
                    graph = listed
                    graphGeneration += 1
                }
                leaseLoopWake.wake()
                onProgress(.shardSync)
            } catch {
                metrics.error((error as? AWSError)?.metricLabel ?? "stream")
                logger.error("listing shards failed", metadata: ["error": "\(error)"])
            }
            syncLoopWake.wait(configuration.shardSyncInterval)
        }
    }

    /// Sync leases with the shard list, take, reconcile consumers; every failover/3 (renewals run
    /// on the `LeaseRenewer`'s threads, not here).
    func leaseLoop(_ coordinator: LeaseCoordinator) {
        var syncedGeneration = 0
        let period = configuration.failoverTime / 3
        var nextRound = Duration.zero
        while !stopLoops.isFired {
            processReleases(coordinator)
            // The renewers note lapses too; this catches them when all of them sit in slow calls.
            // (A consumer pauses by the clock alone, without waiting for the note.)
            coordinator.noteLapses()
            if clock.now() >= nextRound { nextRound = clock.now() + period }
            let (current, generation, stopping, wasDrained) = lock.withLock {
                (graph, graphGeneration, shuttingDown, drained)
            }
            if !stopping {
                do {
                    // A drained stream gets no new leases: another stream's scheduler may have
                    // deleted its ended ones, which must not come back at TRIM_HORIZON.
                    if let current, generation != syncedGeneration, !wasDrained {
                        try coordinator.syncLeases(with: current, position: configuration.startingPosition)
                        syncedGeneration = generation
                    }
                    let report = try coordinator.takeLeases()
                    if let current, generation == syncedGeneration, !wasDrained {
                        noteDrained(current, listing: coordinator.lastListing)
                    }
                    if !report.taken.isEmpty || !report.stolen.isEmpty {
                        lock.withLock { renewer }?.wake()
                        logger.debug(
                            "leases taken", metadata: ["taken": "\(report.taken)", "stolen": "\(report.stolen)"])
                    }
                } catch {
                    metrics.error((error as? AWSError)?.metricLabel ?? "leaseTable")
                    logger.error("lease table round failed", metadata: ["error": "\(error)"])
                }
                reconcile(coordinator)
            }
            onProgress(.leaseLoop)
            leaseLoopWake.wait(max(.milliseconds(1), nextRound - clock.now()))
        }
    }

    /// Marks the stream drained when `graph` (already synced into the lease table) has only
    /// closed shards, each at SHARD_END or without a lease in `listing`, and no consumer of ours
    /// is running or waiting for its release.
    func noteDrained(_ graph: ShardGraph, listing: [Lease]) {
        // A listing of no shards proves nothing ended: a disabled stream still lists its closed
        // shards (for the 24 hours their records stay readable).
        guard !graph.shards.isEmpty else { return }
        let leases = Dictionary(listing.map { ($0.shardId, $0) }, uniquingKeysWith: { first, _ in first })
        let ended = graph.shards.keys.allSatisfy { shardId in
            graph.isClosed(shardId) && (leases[shardId].map { $0.checkpoint == .shardEnd } ?? true)
        }
        guard ended else { return }
        let idle = lock.withLock { () -> Bool in
            guard consumers.isEmpty && pendingReleases.isEmpty else { return false }
            drained = true
            return true
        }
        if idle {
            logger.info(
                "stream drained: every shard ended and was processed", metadata: ["shards": "\(graph.shards.count)"])
        }
    }

    /// Tells the consumers of leases lost (found by a renewer) to stop, and wakes the lease loop
    /// to rebalance.
    func leasesLost(_ shardIds: [String]) {
        guard !shardIds.isEmpty else { return }
        for shardId in shardIds { lock.withLock { consumers[shardId] }?.leaseLost() }
        leaseLoopWake.wake()
    }

    /// Wakes the paused consumers of lapsed leases that a renewal confirmed again.
    func leasesConfirmed(_ shardIds: [String]) {
        for shardId in shardIds { lock.withLock { consumers[shardId] }?.leaseConfirmed() }
    }

    /// Starts a consumer for each held lease without one; tells consumers whose lease is no
    /// longer held that it was lost.
    func reconcile(_ coordinator: LeaseCoordinator) {
        let held = coordinator.heldLeases
        let heldIds = Set(held.map(\.shardId))
        let (toStart, toStop) = lock.withLock { () -> ([ShardConsumer], [ShardConsumer]) in
            guard !shuttingDown else { return ([], []) }
            var toStart: [ShardConsumer] = []
            for lease in held where consumers[lease.shardId] == nil && pendingReleases[lease.shardId] == nil {
                let consumer = ShardConsumer(lease: lease, dependencies: consumerDependencies(coordinator)) {
                    [weak self] consumer, reason, checkpoint in
                    self?.consumerStopped(consumer, reason: reason, checkpoint: checkpoint)
                }
                consumers[lease.shardId] = consumer
                toStart.append(consumer)
            }
            let toStop = consumers.filter { !heldIds.contains($0.key) }.map(\.value)
            return (toStart, toStop)
        }
        for consumer in toStop { consumer.leaseLost() }
        for consumer in toStart { consumer.start() }
    }

    private func consumerDependencies(_ coordinator: LeaseCoordinator) -> ShardConsumer.Dependencies {
        ShardConsumer.Dependencies(
            streamArn: configuration.streamArn, workerId: configuration.workerId, processorFactory: processorFactory,
            makeStreamsClient: makeStreamsClient, makeLeaseStore: makeLeaseStore, destination: destination,
            metrics: metrics, clock: clock, logger: logger, filter: configuration.recordFilter,
            idleLaneCheckpointInterval: configuration.idleLaneCheckpointInterval,
            tunables: { [weak self] in self?.currentTunables ?? ConsumerTunables() }, wakeGrid: configuration.wakeGrid,
            parentsEnded: { [weak self] parents in self?.parentsEnded(parents) ?? false },
            leaseConfirmed: { [weak coordinator] shardId in coordinator?.isConfirmed(shardId: shardId) ?? false },
            onProgress: onProgress)
    }

    /// Every parent that still has a lease is at SHARD_END (as the last lease listing shows).
    func parentsEnded(_ parents: [String]) -> Bool {
        guard let listing = lock.withLock({ coordinator })?.lastListing else { return false }
        let leases = Dictionary(listing.map { ($0.shardId, $0) }, uniquingKeysWith: { first, _ in first })
        return parents.allSatisfy { parent in leases[parent].map { $0.checkpoint == .shardEnd } ?? true }
    }

    private func consumerStopped(_ consumer: ShardConsumer, reason: ShutdownReason, checkpoint: LeaseCheckpoint?) {
        let snapshot = consumer.status
        lock.withLock {
            if consumers[consumer.shardId] === consumer { consumers[consumer.shardId] = nil }
            retired.processed += snapshot.processed
            retired.retries += snapshot.retries
            retired.bisects += snapshot.bisects
            switch reason {
            case .shardEnded:
                pendingReleases[consumer.shardId] = .some(.shardEnd)
                endedLaneKeys[consumer.shardId] = consumer.endedLaneKeys
            case .requested: pendingReleases[consumer.shardId] = .some(checkpoint)
            case .leaseLost: coordinator?.forget(shardId: consumer.shardId)
            }
        }
        if reason == .shardEnded { syncLoopWake.wake() }
        leaseLoopWake.wake()
    }

    /// Releases the leases of consumers that ended (shard end, shutdown); on the lease loop's
    /// thread, or the caller's once the loop stopped.
    func processReleases(_ coordinator: LeaseCoordinator) {
        let (releases, laneKeys, graph) = lock.withLock {
            defer {
                pendingReleases = [:]
                endedLaneKeys = [:]
            }
            return (pendingReleases, endedLaneKeys, self.graph)
        }
        for (shardId, checkpoint) in releases {
            let children = checkpoint == .shardEnd ? graph?.children[shardId] ?? [] : []
            coordinator.release(
                shardId: shardId, checkpoint: checkpoint, children: children, deletingLanes: laneKeys[shardId] ?? [])
        }
    }
}
