import AWSCore
import Foundation

extension LeaseCoordinator {
    /// One renewal call to make: the lease as held when the round started, and when it started.
    struct RenewalJob: Sendable, Equatable {
        var lease: Lease
        var sentAt: Duration
    }

    /// What a renewer thread does next.
    enum RenewalStep: Equatable {
        /// Renew this lease now (it is marked in flight).
        case renew(RenewalJob)
        /// Write this worker's heartbeat now, sent at this time (it is marked in flight).
        case beat(sentAt: Duration)
        /// Nothing is due: wait until this time (the next due round, or when a confirmed lease
        /// lapses), or for a wake-up; nil when nothing is held.
        case wait(until: Duration?)
    }

    /// How one renewal call ended.
    enum RenewalResult: Equatable {
        /// The counter moved (or a lost reply had moved it): held for another failover time.
        case renewed
        /// Renewed, and the lease had lapsed: it is confirmed again and its shard may go on.
        case confirmed
        /// The call failed or the re-read could not tell: tried again at the lease's next round.
        case missed
        /// Another owner or tenure holds the lease: it is no longer held.
        case lost
        /// The lease stopped being held (released, dropped, taken again) while the call ran.
        case stale
    }

    /// Picks the heartbeat when it is due, else the held lease whose renewal round is due first
    /// (and that has no call in flight), marking it in flight; otherwise says how long to wait.
    /// Called by the renewer's threads.
    func nextRenewalStep() -> RenewalStep {
        let now = clock.now()
        return lock.withLock {
            var wake: Duration?
            if let sentAt = claimBeat(at: now) { return .beat(sentAt: sentAt) }
            if heartbeat && !beating { wake = beatDue }
            var pick: (index: Dictionary<String, Held>.Index, due: Duration)?
            // Fields are read in place by index: copying each `Held` (its lease's strings and
            // sets) cost retains and releases for every held lease on every renewal round.
            for index in held.indices {
                let (renewedAt, due, renewing, lapsed) = held.values[index].schedule
                // Whoever wakes first also notes lapses, even of a lease whose call is stuck; a
                // lease already noted lapsed has no such time left.
                if !lapsed {
                    let expiry = renewedAt + failoverTime
                    wake = min(wake ?? expiry, expiry)
                }
                guard !renewing else { continue }
                if due <= now {
                    if pick.map({ due < $0.due }) ?? true { pick = (index, due) }
                } else {
                    wake = min(wake ?? due, due)
                }
            }
            guard let pick else { return .wait(until: wake) }
            held.values[pick.index].renewing = true
            return .renew(RenewalJob(lease: held.values[pick.index].lease, sentAt: now))
        }
    }

    /// Marks a held lease's renewal as in flight and returns the call to make; nil when the lease
    /// is not held or a call for it is already in flight.
    func startRenewal(shardId: String) -> RenewalJob? {
        let now = clock.now()
        return lock.withLock {
            guard var entry = held[shardId], !entry.renewing else { return nil }
            entry.renewing = true
            held[shardId] = entry
            return RenewalJob(lease: entry.lease, sentAt: now)
        }
    }

    /// Makes one renewal call with `store` (the calling thread's) and applies its outcome.
    ///
    /// A conditional failure re-reads the lease: an item that is still ours, in our tenure, with
    /// the counter this call writes is a renewal whose reply was lost (the client retried after
    /// a timeout, or an earlier round's call landed after its deadline), so the lease is kept.
    /// Only another owner, tenure or counter means the lease is lost. A failed call or re-read
    /// leaves the lease for its next round; once the failover time passes it is kept unconfirmed
    /// (`noteLapses`), and a later renewal that succeeds confirms it again. A lapsed lease keeps
    /// the same condition (owner, tenure, counter): if another worker took it meanwhile, the
    /// condition fails and the re-read shows the other owner, so it is lost.
    func renew(_ job: RenewalJob, using store: LeaseStore, checkpoint: LeaseCheckpoint?) -> RenewalResult {
        let shardId = job.lease.shardId
        var renewed: Lease?
        var replyWasLost = false
        var lost = false
        do {
            switch try store.renewLease(job.lease, checkpoint: checkpoint) {
            case .taken(let lease):
                renewed = lease
            case .lostRace:
                // Ours, our tenure and the counter this call writes: this call's first try, or an
                // earlier round's call that landed after its deadline, wrote it.
                if let stored = try store.readLease(shardId: shardId), stored.owner == workerId,
                    stored.claimedAt == job.lease.claimedAt, stored.counter == job.lease.counter + 1
                {
                    logger.debug(
                        "renewal's reply was lost; the lease is still ours", metadata: ["shard.id": "\(shardId)"])
                    renewed = stored
                    replyWasLost = true
                } else {
                    lost = true
                }
            }
        } catch {
            metrics.error((error as? AWSError)?.metricLabel ?? "leaseTable")
            logger.warning(
                "renewing lease failed; retried next round",
                metadata: ["shard.id": "\(shardId)", "error": "\(error)"])
        }
        let result = lock.withLock { () -> RenewalResult in
            guard var entry = held[shardId], entry.lease.claimedAt == job.lease.claimedAt, entry.renewing else {
                return .stale
            }
            entry.renewing = false
            if lost {
                held[shardId] = nil
                recordLeaseCounts()
                return .lost
            }
            if let renewed {
                entry.lease = renewed
                // The write that landed may be an earlier call's: count from the earliest send
                // not yet confirmed, the soonest others can have seen the counter move.
                // (Never earlier than it stands: a heartbeat may have renewed it since this send.)
                let sent = replyWasLost ? min(entry.unconfirmedSince ?? job.sentAt, job.sentAt) : job.sentAt
                entry.renewedAt = max(entry.renewedAt, sent)
                entry.unconfirmedSince = nil
                entry.due = nextRound(after: job.sentAt)
                // A call that was sent a failover time ago and succeeded only now leaves the
                // lease unconfirmed: its next round is already due and confirms it.
                let confirmed = entry.lapsed && clock.now() - entry.renewedAt < failoverTime
                if confirmed { entry.lapsed = false }
                held[shardId] = entry
                noteExpiry(of: entry)
                if confirmed { recordLeaseCounts() }
                return confirmed ? .confirmed : .renewed
            }
            entry.unconfirmedSince = entry.unconfirmedSince ?? job.sentAt
            // Next round: a call that ran long does not shift the schedule of the lease.
            entry.due = nextRound(after: max(entry.due, job.sentAt))
            held[shardId] = entry
            return .missed
        }
        switch result {
        case .lost:
            metrics.leasesLost.increment()
            logger.info("lease lost", metadata: ["shard.id": "\(shardId)", "reason": "renewal lost its condition"])
        case .confirmed:
            logger.info("lease confirmed again", metadata: ["shard.id": "\(shardId)"])
        case .renewed, .missed, .stale:
            break
        }
        return result
    }

    /// Notes every held lease whose last successful renewal was sent a failover time ago or more
    /// as lapsed (another worker may take it now, by its own clock): logged once and counted
    /// (`zael_leases_unconfirmed`); returns the shard ids newly lapsed. The lease stays held:
    /// `isConfirmed` is false, so its shard pauses, and renewals go on at its rounds; a call
    /// still in flight counts when it ends. Called by the renewers and the lease loop.
    @discardableResult
    func noteLapses() -> [String] {
        let now = clock.now()
        let lapsed = lock.withLock { () -> [String] in
            // Every renewer round calls this: until the earliest possible lapse, answer without
            // looking at (or copying) the held leases.
            guard let earliest = earliestLapse, now >= earliest else { return [] }
            var lapsed: [String] = []
            var next: Duration?
            for (shardId, entry) in held where !entry.lapsed {
                let expiry = entry.renewedAt + failoverTime
                if now >= expiry {
                    lapsed.append(shardId)
                } else {
                    next = min(next ?? expiry, expiry)
                }
            }
            earliestLapse = next
            for shardId in lapsed { held[shardId]?.lapsed = true }
            if !lapsed.isEmpty { recordLeaseCounts() }
            return lapsed.sorted()
        }
        for shardId in lapsed {
            logger.info(
                "lease unconfirmed: not renewed within the failover time; the shard pauses until a renewal succeeds",
                metadata: ["shard.id": "\(shardId)"])
        }
        return lapsed
    }
}
