extension ShardScheduler {
    /// A snapshot for the status socket: every lease as last listed, with the local consumer's
    /// view of the shards this worker owns, and totals.
    public var status: ConsumerStatus {
        let (coordinator, consumers, retired, running) = lock.withLock {
            (self.coordinator, self.consumers, self.retired, self.running)
        }
        var shards: [ConsumerStatus.ShardStatus] = []
        var processed = retired.processed
        var retries = retired.retries
        var bisects = retired.bisects
        var listed = Set<String>()
        let now = clock.now()
        for lease in coordinator?.lastListing ?? [] {
            listed.insert(lease.shardId)
            let local = consumers[lease.shardId]?.status
            shards.append(
                ConsumerStatus.ShardStatus(
                    shardId: lease.shardId, owner: lease.owner,
                    state: local?.condition?.kind.rawValue ?? local?.state ?? "notOwned",
                    checkpoint: local?.lowestCheckpoint?.wire ?? lease.checkpoint.wire, iteratorAge: local?.iteratorAge,
                    recordsPerSecond: local?.recordsPerSecond ?? 0, retries: local?.retries ?? 0,
                    lastError: local?.lastError, lastErrorAge: local?.lastErrorAt.map { now - $0 },
                    condition: local?.condition))
        }
        for (shardId, consumer) in consumers {
            let local = consumer.status
            processed += local.processed
            retries += local.retries
            bisects += local.bisects
            if !listed.contains(shardId) {
                shards.append(
                    ConsumerStatus.ShardStatus(
                        shardId: shardId, owner: configuration.workerId,
                        state: local.condition?.kind.rawValue ?? local.state,
                        checkpoint: local.lowestCheckpoint?.wire, iteratorAge: local.iteratorAge,
                        recordsPerSecond: local.recordsPerSecond, retries: local.retries, lastError: local.lastError,
                        lastErrorAge: local.lastErrorAt.map { now - $0 }, condition: local.condition))
            }
        }
        return ConsumerStatus(
            workerId: configuration.workerId, streamArn: configuration.streamArn,
            shards: shards.sorted { $0.shardId < $1.shardId }, leasesOwned: coordinator?.heldLeases.count ?? 0,
            recordsProcessed: processed, retries: retries, bisects: bisects,
            spooledRecords: destination.sentRecordCount, running: running,
            leasesUnconfirmed: coordinator?.unconfirmedLeases.count ?? 0)
    }
}
