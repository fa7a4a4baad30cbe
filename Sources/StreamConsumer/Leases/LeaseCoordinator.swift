import AWSCore
import AWSDynamoDB
import Foundation
import Logging

/// Takes, renews, steals, releases and drops leases: the only writer of lease ownership.
///
/// Driven by the scheduler's lease loop (one thread, the coordinator's own `store`):
/// `takeLeases`, `syncLeases` and `release`. Renewals run apart, on the `LeaseRenewer`'s threads,
/// each with its own store (`nextRenewalStep`, `renew(_:using:checkpoint:)`), so a slow scan or take
/// never delays them; with `heartbeat` one item per worker renews them all, and a lease's own
/// call is made only when the heartbeat does not cover its round (`LeaseCoordinator+Heartbeat`).
/// Other threads read `heldLeases` and `lastListing`. Expiry is judged locally: a lease whose
/// counter and whose owner's heartbeat did not change for the failover time is expired, whatever
/// the clocks of other hosts say. A held lease whose last successful renewal was sent a failover time
/// ago is no longer *confirmed* (others may take it by their clocks): it stays held but lapsed,
/// its shard makes no progress (`isConfirmed`), and renewals go on with the same condition until
/// one succeeds (confirmed again) or fails its condition (lost) (`noteLapses`).
public final class LeaseCoordinator: @unchecked Sendable {
    /// What one take round did.
    public struct TakeReport: Sendable, Equatable {
        public var taken: [String] = []
        public var stolen: [String] = []
        /// Held leases the scan showed in another owner's or tenure's hands (with heartbeats no
        /// renewal call finds that out); they are no longer held.
        public var lost: [String] = []
    }

    struct Observation {
        var counter: Int
        var owner: String?
        var changedAt: Duration
    }

    struct Held {
        var lease: Lease
        /// When the last successful renewal (or the take) was sent. Others see the counter change
        /// no earlier, so they cannot judge the lease expired before this plus the failover time.
        var renewedAt: Duration
        /// When the next renewal round of this lease is due.
        var due: Duration
        /// A renewal call is in flight (never two at once for one lease).
        var renewing = false
        /// When the first renewal call since the last confirmed one was sent; it may have landed
        /// without a reply (a lost reply found by a later round's re-read).
        var unconfirmedSince: Duration?
        /// The failover time passed since `renewedAt` and the lapse was noted (logged, counted).
        var lapsed = false

        init(lease: Lease, renewedAt: Duration, due: Duration) {
            self.lease = lease
            self.renewedAt = renewedAt
            self.due = due
        }

        /// The fields a renewal round's scan reads, without copying the lease.
        var schedule: (renewedAt: Duration, due: Duration, renewing: Bool, lapsed: Bool) {
            (renewedAt, due, renewing, lapsed)
        }
    }

    public let workerId: String
    /// The stream this coordinator's scheduler reads: new leases are tagged with it and only its
    /// own (or untagged) leases are taken. Nil: every lease (tests that drive one stream by hand).
    public let streamArn: String?
    /// How long a SHARD_END lease of another stream stays in the table after it left our listing:
    /// a host still draining that stream must see it at SHARD_END (and so the stream drained)
    /// rather than missing, or it would create the lease anew and read the shard again.
    let foreignLeaseGrace: Duration
    let failoverTime: Duration
    /// How often each held lease is renewed: failover/3 (KCL).
    let renewalPeriod: Duration
    /// The most one renewal call may take, retries included: below the renewal period, so a late
    /// call is over before its lease's next round (`LeaseRenewer` builds its stores with it).
    public let renewalDeadline: Duration
    /// Where renewal rounds snap to (`WakeGrid`): never later than a period after the last send.
    let wakeGrid: WakeGrid?
    /// Whether this worker keeps its leases alive with one heartbeat item (`WorkerHeartbeat`)
    /// instead of a renewal call per lease and round. A held lease is then renewed by a call only
    /// when its checkpoint changed, it lapsed or the heartbeat missed (`cover`).
    public let heartbeat: Bool
    /// How long another worker's heartbeat must stand still, with no lease in its name, before
    /// its item is deleted (a worker id is new with every process, so items would pile up).
    let staleHeartbeatAge: Duration
    let store: LeaseStore
    let clock: ConsumerClock
    let metrics: ConsumerMetrics
    let logger: Logger

    // Everything below is guarded by `lock`. `store` is only used by the lease loop's thread.
    let lock = NSLock()
    var held: [String: Held] = [:]
    var observations: [String: Observation] = [:]
    /// Other workers' heartbeats as the scans saw them, by worker id (`owner` unused).
    var heartbeatsSeen: [String: Observation] = [:]
    /// When this worker's next heartbeat is due, and whether one is in flight.
    var beatDue: Duration = .zero
    var beating = false
    private var listing: [Lease] = []
    var absentSince: [String: Int] = [:]
    /// When a lease of another stream was first seen missing from our listing.
    var foreignSince: [String: Duration] = [:]
    var graphGeneration = 0
    /// No held lease that is not lapsed can lapse before this time (nil: none is held); a lower
    /// bound, kept by `noteExpiry(of:)` wherever a lease's `renewedAt` is set, made exact by
    /// `noteLapses`, which looks at the leases only once it is reached.
    var earliestLapse: Duration?

    public init(
        workerId: String, failoverTime: Duration, store: LeaseStore, clock: ConsumerClock, metrics: ConsumerMetrics,
        logger: Logger, streamArn: String? = nil, foreignLeaseGrace: Duration = .seconds(600),
        wakeGrid: WakeGrid? = nil, heartbeat: Bool = false
    ) {
        self.wakeGrid = wakeGrid
        self.heartbeat = heartbeat
        self.staleHeartbeatAge = failoverTime * 10
        self.workerId = workerId
        self.streamArn = streamArn
        self.foreignLeaseGrace = foreignLeaseGrace
        self.failoverTime = failoverTime
        self.renewalPeriod = failoverTime / 3
        self.renewalDeadline = failoverTime * 3 / 10
        self.store = store
        self.clock = clock
        self.metrics = metrics
        var logger = logger
        logger[metadataKey: "lease.owner"] = "\(workerId)"
        self.logger = logger
    }

    /// When a lease's next renewal round is due after a call sent at `sent`: a renewal period
    /// later, snapped back to the wake grid.
    func nextRound(after sent: Duration) -> Duration {
        wakeGrid?.aligned(sent + renewalPeriod, from: sent) ?? sent + renewalPeriod
    }

    /// The leases this worker holds now.
    public var heldLeases: [Lease] { lock.withLock { held.values.map(\.lease) } }

    /// The leases as the last take round listed them (every owner).
    public var lastListing: [Lease] { lock.withLock { listing } }

    /// Whether the lease of `shardId` is held and confirmed: its last successful renewal (or its
    /// take) was sent less than the failover time ago, so no other worker can have taken it. A
    /// consumer makes progress (batches, checkpoints) only while this holds. Any thread.
    public func isConfirmed(shardId: String) -> Bool {
        let now = clock.now()
        return lock.withLock { held[shardId].map { now - $0.renewedAt < failoverTime } ?? false }
    }

    /// The held leases that are not confirmed now (lapsed, or past the failover time and not yet
    /// noted), by shard id.
    public var unconfirmedLeases: [String] {
        let now = clock.now()
        return lock.withLock { held.filter { now - $0.value.renewedAt >= failoverTime }.map(\.key).sorted() }
    }

    /// Lowers `earliestLapse` to when `entry` lapses; called with `lock` held wherever a held
    /// lease's `renewedAt` is set.
    func noteExpiry(of entry: Held) {
        guard !entry.lapsed else { return }
        let expiry = entry.renewedAt + failoverTime
        earliestLapse = min(earliestLapse ?? expiry, expiry)
    }

    /// Records the lease gauges; called with `lock` held after `held` changed.
    func recordLeaseCounts() {
        metrics.leasesOwned.record(held.count)
        metrics.leasesUnconfirmed.record(held.values.filter(\.lapsed).count)
    }

    /// Renews every held lease now, one after another with the coordinator's own store, storing
    /// each one's checkpoint when `checkpoint` gives one; then notes the leases not renewed for
    /// the failover time as lapsed (kept, unconfirmed). Returns the shard ids whose leases are
    /// lost (another owner or tenure holds them); they are no longer held. (The scheduler renews
    /// through a `LeaseRenewer` instead; this is the same step for callers that drive the
    /// coordinator by hand.)
    public func renewLeases(checkpoint: (String) -> LeaseCheckpoint?) -> [String] {
        var lost: [String] = []
        if heartbeat, let sentAt = startBeat() { beat(sentAt: sentAt, using: store) }
        for shardId in lock.withLock({ Array(held.keys) }) {
            guard let job = startRenewal(shardId: shardId) else { continue }
            let stored = checkpoint(shardId)
            if cover(job, checkpoint: stored) { continue }
            if renew(job, using: store, checkpoint: stored) == .lost { lost.append(shardId) }
        }
        noteLapses()
        return lost
    }

    /// Lists leases, then takes expired or unowned ones up to this worker's share
    /// (ceil(active leases / live workers)), stealing at most one from the most loaded worker
    /// when nothing is free. Leases at SHARD_END and leases of another stream are not counted
    /// and not taken.
    public func takeLeases(stealing: Bool = true) throws -> TakeReport {
        let scanned = try store.scanLeases()
        let leases = scanned.leases
        let now = clock.now()
        var report = TakeReport()
        let (candidates, victim, need, stale) = lock.withLock { () -> ([Lease], Lease?, Int, [WorkerHeartbeat]) in
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
            let stale = noteHeartbeats(scanned.heartbeats, leases: leases, now: now)
            if heartbeat { report.lost = dropLeasesTakenFromUs(leases) }
            // A lease is alive while its counter or its owner's heartbeat moves.
            let lastSign = { (lease: Lease) -> Duration in
                let own = seen[lease.shardId]!.changedAt
                guard let owner = lease.owner, let beat = self.heartbeatsSeen[owner] else { return own }
                return max(own, beat.changedAt)
            }
            let active = leases.filter { lease in
                lease.checkpoint != .shardEnd && streamArn.map { lease.belongs(to: $0) } ?? true
            }
            var load: [String: [Lease]] = [workerId: []]
            var free: [Lease] = []
            for lease in active {
                if let owner = lease.owner, owner == workerId, held[lease.shardId] != nil {
                    load[owner, default: []].append(lease)
                } else if let owner = lease.owner, owner != workerId, now - lastSign(lease) < failoverTime {
                    load[owner, default: []].append(lease)
                } else {
                    free.append(lease)
                }
            }
            let target = (active.count + load.count - 1) / load.count
            let need = target - (load[workerId]?.count ?? 0)
            guard need > 0 else { return ([], nil, 0, stale) }
            if !free.isEmpty { return (free.shuffled(), nil, need, stale) }
            // Nothing free: steal one from the most loaded worker if that evens things out.
            guard stealing,
                let (_, leases) = load.filter({ $0.key != workerId }).max(by: { $0.value.count < $1.value.count }),
                leases.count > target || (leases.count == target && need > 1)
            else { return ([], nil, need, stale) }
            return ([], leases.randomElement(), need, stale)
        }
        for shardId in report.lost {
            metrics.leasesLost.increment()
            logger.info(
                "lease lost", metadata: ["shard.id": "\(shardId)", "reason": "the lease table names another holder"])
        }
        dropStaleHeartbeats(stale)
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
            let sent = clock.now()
            guard case .taken(let taken) = try store.takeLease(lease, owner: workerId) else { return false }
            lock.withLock {
                let entry = Held(lease: taken, renewedAt: sent, due: nextRound(after: sent))
                held[taken.shardId] = entry
                noteExpiry(of: entry)
                if let index = listing.firstIndex(where: { $0.shardId == taken.shardId }) { listing[index] = taken }
                recordLeaseCounts()
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
        let removed = lock.withLock { () -> Lease? in
            defer { recordLeaseCounts() }
            return held.removeValue(forKey: shardId)?.lease
        }
        guard var lease = removed else { return }
        do {
            if !children.isEmpty, let checkpoint {
                lease.childShardIds = children
                lease.checkpoint = checkpoint
                guard case .taken(let updated) = try store.updateLease(lease) else { return }
                lease = updated
            }
            if case .lostRace = try store.releaseLease(lease, checkpoint: checkpoint) {
                // A retried call whose first try landed fails its condition too: go on if the item
                // shows our own release (no owner, our tenure, our checkpoint).
                guard let stored = try store.readLease(shardId: shardId), stored.owner == nil,
                    stored.claimedAt == lease.claimedAt, checkpoint == nil || stored.checkpoint == checkpoint
                else {
                    logger.info("lease was lost before its release", metadata: ["shard.id": "\(shardId)"])
                    return
                }
                logger.debug(
                    "lease release's reply was lost; the release had landed", metadata: ["shard.id": "\(shardId)"])
            }
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
        lock.withLock {
            _ = held.removeValue(forKey: shardId)
            recordLeaseCounts()
        }
    }
}
