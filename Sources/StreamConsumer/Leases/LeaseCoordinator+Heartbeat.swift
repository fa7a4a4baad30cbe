import AWSCore
import Foundation

extension LeaseCoordinator {
    /// Records other workers' heartbeats from a scan (called with `lock` held) and returns the
    /// items that stood still for `staleHeartbeatAge` while no lease names their worker: workers
    /// that are gone. A heartbeat missing from the scan keeps its last sighting, so an item that
    /// comes back (with a fresh counter) counts as a change.
    func noteHeartbeats(_ heartbeats: [WorkerHeartbeat], leases: [Lease], now: Duration) -> [WorkerHeartbeat] {
        var stale: [WorkerHeartbeat] = []
        let owners = Set(leases.compactMap(\.owner))
        for beat in heartbeats where beat.worker != workerId {
            if let old = heartbeatsSeen[beat.worker], old.counter == beat.counter {
                if now - old.changedAt >= staleHeartbeatAge && !owners.contains(beat.worker) { stale.append(beat) }
            } else {
                heartbeatsSeen[beat.worker] = Observation(counter: beat.counter, owner: nil, changedAt: now)
            }
        }
        return stale
    }

    /// Stops holding leases that the scan shows in another owner's or tenure's hands, written
    /// after our last write (a higher counter: an older listing proves nothing); called with
    /// `lock` held. Another worker took them: by stealing, or after they lapsed.
    func dropLeasesTakenFromUs(_ leases: [Lease]) -> [String] {
        var lost: [String] = []
        for lease in leases {
            guard let entry = held[lease.shardId], lease.counter > entry.lease.counter,
                lease.owner != workerId || lease.claimedAt != entry.lease.claimedAt
            else { continue }
            held[lease.shardId] = nil
            lost.append(lease.shardId)
        }
        if !lost.isEmpty { recordLeaseCounts() }
        return lost.sorted()
    }

    /// Deletes the items of gone workers (each only if its counter still is the one seen).
    func dropStaleHeartbeats(_ stale: [WorkerHeartbeat]) {
        for beat in stale {
            do {
                if try store.deleteHeartbeat(beat) {
                    logger.info("heartbeat of a gone worker deleted", metadata: ["worker": "\(beat.worker)"])
                }
                lock.withLock { heartbeatsSeen[beat.worker] = nil }
            } catch {
                metrics.error((error as? AWSError)?.metricLabel ?? "leaseTable")
                logger.warning(
                    "deleting a gone worker's heartbeat failed",
                    metadata: ["worker": "\(beat.worker)", "error": "\(error)"])
            }
        }
    }

    /// Marks a heartbeat in flight and returns its send time, when one is due and none in flight.
    func startBeat() -> Duration? {
        let now = clock.now()
        return lock.withLock { claimBeat(at: now) }
    }

    /// `startBeat` with `lock` held (the renewers' `nextRenewalStep` calls it too).
    func claimBeat(at now: Duration) -> Duration? {
        guard heartbeat, !beating, beatDue <= now else { return nil }
        beating = true
        return now
    }

    /// Makes one heartbeat call (sent at `sentAt`, from `startBeat` or `nextRenewalStep`). When it
    /// lands, every held lease that has not lapsed counts as renewed at `sentAt`: others judge it
    /// by this item too. A lapsed lease is not confirmed by it (another worker may have taken the
    /// lease meanwhile): only its own renewal call can tell. Returns whether the beat landed.
    @discardableResult
    func beat(sentAt: Duration, using store: LeaseStore) -> Bool {
        var landed = true
        do {
            try store.beat(worker: workerId)
        } catch {
            landed = false
            metrics.error((error as? AWSError)?.metricLabel ?? "leaseTable")
            logger.warning("heartbeat failed; retried next round", metadata: ["error": "\(error)"])
        }
        lock.withLock {
            beating = false
            beatDue = nextRound(after: landed ? sentAt : max(beatDue, sentAt))
            guard landed else { return }
            // Only a lease still confirmed when the beat was sent: one past its failover time may
            // have been taken meanwhile, even if its lapse is not noted yet.
            for index in held.indices {
                let entry = held.values[index]
                guard !entry.lapsed, entry.renewedAt < sentAt, sentAt - entry.renewedAt < failoverTime else { continue }
                held.values[index].renewedAt = sentAt
            }
        }
        return landed
    }

    /// Ends a due renewal round without a call when the heartbeat keeps the lease alive: a
    /// heartbeat (or its own renewal) renewed it less than two periods ago, and its stored
    /// checkpoint is already `checkpoint` (or there is none to store). After one missed beat the
    /// lease's own round makes the call, a period before it would lapse, as without heartbeats;
    /// so a lease table that fails the heartbeat but takes renewals pauses no shard. Returns false, leaving the job in flight, when the round needs its call.
    func cover(_ job: RenewalJob, checkpoint: LeaseCheckpoint?) -> Bool {
        guard heartbeat else { return false }
        return lock.withLock {
            guard var entry = held[job.lease.shardId], entry.renewing, entry.lease.claimedAt == job.lease.claimedAt,
                !entry.lapsed, clock.now() - entry.renewedAt < renewalPeriod * 2,
                checkpoint == nil || checkpoint == entry.lease.checkpoint
            else { return false }
            entry.renewing = false
            entry.due = nextRound(after: max(entry.due, job.sentAt))
            held[job.lease.shardId] = entry
            return true
        }
    }
}
