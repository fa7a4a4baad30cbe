import AWSCore
import AWSDynamoDB
import Foundation
import Logging

/// Takes, renews, steals, releases and drops leases: the only writer of lease ownership.
///
/// Driven by the scheduler's lease loop (one thread, one `LeaseStore`): `renewLeases` every
/// failover/3, `takeLeases` and `syncLeases` less often. Other threads read `heldLeases` and
/// `lastListing`. Expiry is judged locally: a lease whose counter did not change for the
/// failover time is expired, whatever the clocks of other hosts say.
public final class LeaseCoordinator: @unchecked Sendable {
    /// What one take round did.
    public struct TakeReport: Sendable, Equatable {
        public var taken: [String] = []
        public var stolen: [String] = []
    }

    struct Observation {
        var counter: Int
        var owner: String?
        var changedAt: Duration
    }

    struct Held {
        var lease: Lease
        var renewedAt: Duration
    }

    public let workerId: String
    let failoverTime: Duration
    let store: LeaseStore
    let clock: ConsumerClock
    let metrics: ConsumerMetrics
    let logger: Logger

    // Everything below is guarded by `lock`. `store` is only used by the lease loop's thread.
    let lock = NSLock()
    private var held: [String: Held] = [:]
    var observations: [String: Observation] = [:]
    private var listing: [Lease] = []
    var absentSince: [String: Int] = [:]
    var graphGeneration = 0

    public init(
        workerId: String, failoverTime: Duration, store: LeaseStore, clock: ConsumerClock, metrics: ConsumerMetrics,
        logger: Logger
    ) {
        self.workerId = workerId
        self.failoverTime = failoverTime
        self.store = store
        self.clock = clock
        self.metrics = metrics
        var logger = logger
        logger[metadataKey: "lease.owner"] = "\(workerId)"
        self.logger = logger
    }

    /// The leases this worker holds now.
    public var heldLeases: [Lease] { lock.withLock { held.values.map(\.lease) } }

    /// The leases as the last take round listed them (every owner).
    public var lastListing: [Lease] { lock.withLock { listing } }

    /// Renews every held lease, storing each one's checkpoint when `checkpoint` gives one.
    /// Returns the shard ids whose leases are lost (another owner, or not renewed for the
    /// failover time); they are no longer held.
    public func renewLeases(checkpoint: (String) -> LeaseCheckpoint?) -> [String] {
        var lost: [String] = []
        for current in lock.withLock({ Array(held.values) }) {
            let shardId = current.lease.shardId
            do {
                switch try store.renewLease(current.lease, checkpoint: checkpoint(shardId)) {
                case .taken(let lease):
                    lock.withLock { held[shardId] = Held(lease: lease, renewedAt: clock.now()) }
                case .lostRace:
                    lost.append(shardId)
                }
            } catch {
                metrics.error((error as? AWSError)?.metricLabel ?? "leaseTable")
                logger.warning("renewing lease failed", metadata: ["shard.id": "\(shardId)", "error": "\(error)"])
                // Held past the failover time without a renewal: another worker may own it now.
                if clock.now() - current.renewedAt >= failoverTime { lost.append(shardId) }
            }
        }
        lock.withLock {
            for shardId in lost { held[shardId] = nil }
            metrics.leasesOwned.record(held.count)
        }
        for shardId in lost {
            metrics.leasesLost.increment()
            logger.info("lease lost", metadata: ["shard.id": "\(shardId)"])
        }
        return lost
    }

    /// Lists leases, then takes expired or unowned ones up to this worker's share
    /// (ceil(active leases / live workers)), stealing at most one from the most loaded worker
    /// when nothing is free. Leases at SHARD_END are not counted and not taken.
    public func takeLeases(stealing: Bool = true) throws -> TakeReport {
        let leases = try store.listLeases()
        let now = clock.now()
        let (candidates, victim, need) = lock.withLock { () -> ([Lease], Lease?, Int) in
            listing = leases
            var seen: [String: Observation] = [:]
            for lease in leases {
                if let old = observations[lease.shardId], old.counter == lease.counter, old.owner == lease.owner {
                    seen[lease.shardId] = old
                } else {
                    seen[lease.shardId] = Observation(counter: lease.counter, owner: lease.owner, changedAt: now)
                }
            }
            observations = seen
            let active = leases.filter { $0.checkpoint != .shardEnd }
            var load: [String: [Lease]] = [workerId: []]
            var free: [Lease] = []
            for lease in active {
                if let owner = lease.owner, owner == workerId, held[lease.shardId] != nil {
                    load[owner, default: []].append(lease)
                } else if let owner = lease.owner, owner != workerId,
                    now - seen[lease.shardId]!.changedAt < failoverTime
                {
                    load[owner, default: []].append(lease)
                } else {
                    free.append(lease)
                }
            }
            let target = (active.count + load.count - 1) / load.count
            let need = target - (load[workerId]?.count ?? 0)
            guard need > 0 else { return ([], nil, 0) }
            if !free.isEmpty { return (free.shuffled(), nil, need) }
            // Nothing free: steal one from the most loaded worker if that evens things out.
            guard stealing,
                let (_, leases) = load.filter({ $0.key != workerId }).max(by: { $0.value.count < $1.value.count }),
                leases.count > target || (leases.count == target && need > 1)
            else { return ([], nil, need) }
            return ([], leases.randomElement(), need)
        }
        var report = TakeReport()
        for lease in candidates.prefix(need) where take(lease) { report.taken.append(lease.shardId) }
        if let victim, take(victim) {
            report.stolen.append(victim.shardId)
            metrics.leasesStolen.increment()
            logger.info("lease stolen", metadata: ["shard.id": "\(victim.shardId)", "from": "\(victim.owner ?? "")"])
        }
        return report
    }

    private func take(_ lease: Lease) -> Bool {
        do {
            guard case .taken(let taken) = try store.takeLease(lease, owner: workerId) else { return false }
            lock.withLock {
                held[taken.shardId] = Held(lease: taken, renewedAt: clock.now())
                if let index = listing.firstIndex(where: { $0.shardId == taken.shardId }) { listing[index] = taken }
                metrics.leasesOwned.record(held.count)
            }
            metrics.leasesTaken.increment()
            logger.info("lease taken", metadata: ["shard.id": "\(lease.shardId)", "lease.counter": "\(taken.counter)"])
            return true
        } catch {
            metrics.error((error as? AWSError)?.metricLabel ?? "leaseTable")
            logger.warning("taking lease failed", metadata: ["shard.id": "\(lease.shardId)", "error": "\(error)"])
            return false
        }
    }

    /// Releases a held lease (clears leaseOwner), storing `checkpoint` when given, and the
    /// shard's children (`childShardIds`) when it ended; then deletes `deletingLanes` (the lane
    /// items of an ended shard).
    public func release(
        shardId: String, checkpoint: LeaseCheckpoint?, children: [String] = [], deletingLanes: [LaneKey] = []
    ) {
        guard var lease = lock.withLock({ held.removeValue(forKey: shardId)?.lease }) else { return }
        metrics.leasesOwned.record(heldLeases.count)
        do {
            if !children.isEmpty, let checkpoint {
                lease.childShardIds = children
                lease.checkpoint = checkpoint
                guard case .taken(let updated) = try store.updateLease(lease) else { return }
                lease = updated
            }
            guard case .taken = try store.releaseLease(lease, checkpoint: checkpoint) else { return }
            if checkpoint == .shardEnd && !deletingLanes.isEmpty { try store.deleteLanes(deletingLanes) }
            logger.info(
                "lease released", metadata: ["shard.id": "\(shardId)", "checkpoint": "\(checkpoint?.wire ?? "-")"])
        } catch {
            metrics.error((error as? AWSError)?.metricLabel ?? "leaseTable")
            logger.warning(
                "releasing lease failed; it expires instead", metadata: ["shard.id": "\(shardId)", "error": "\(error)"])
        }
    }

    /// Forgets a lease without writing (the process is going away or the lease is gone).
    func forget(shardId: String) {
        lock.withLock { _ = held.removeValue(forKey: shardId) }
    }
}
