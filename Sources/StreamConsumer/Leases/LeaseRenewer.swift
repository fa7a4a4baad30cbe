import AWSCore
import Foundation

/// Renews the coordinator's held leases on a small, fixed pool of threads, apart from the lease
/// loop's scans and takes, so that one slow call delays only its own lease.
///
/// Each thread owns one `LeaseStore` (built with `makeStore`, whose calls must end within the
/// coordinator's `renewalDeadline`, retries included) and loops: note lapsed leases, write the
/// worker's heartbeat when due, renew the lease whose round (every failover/3) is due first
/// unless the heartbeat covers that round, or sleep. A lease never has two calls in
/// flight; a call that fails or runs late is retried at its lease's next round. A lease not
/// renewed for the failover time is kept unconfirmed (its shard pauses) and renewed on at its
/// rounds with the same condition; the first renewal that succeeds confirms it again, one that
/// fails its condition loses it. The pool does not grow with the shard count: with calls of tens
/// of milliseconds a few threads renew hundreds of leases, and a slow lease table stalls at most
/// `threads` renewals at once.
///
/// Sleeping (leader and followers): only a thread whose deadline is earlier than every other
/// sleeper's waits on the clock (a *timer*); the others wait to be handed work. A thread that
/// takes a due job hands off to one idle thread, which takes the next due job or becomes the
/// timer, so someone always watches the schedule while calls run. So a due round wakes two
/// threads (the timer, and the one that takes over from it), not every idle one.
///
/// Lifecycle: `init` → `run()` on each of `threads` threads (the owner makes them) → `stop`
/// fires → `wake()`; `run()` returns once its call in flight ends.
final class LeaseRenewer: @unchecked Sendable {
    let coordinator: LeaseCoordinator
    let threads: Int
    private let makeStore: @Sendable () -> LeaseStore
    private let clock: ConsumerClock
    private let stop: StopLatch
    private let checkpoint: @Sendable (String) -> LeaseCheckpoint?
    private let onLost: @Sendable ([String]) -> Void
    private let onConfirmed: @Sendable ([String]) -> Void

    // Guarded by `condition`: `generation` moves on every `wake()`; `timers` holds the deadline of
    // each thread sleeping on the clock; `followers` counts threads waiting to be handed work and
    // `handoffs` the hand-offs not yet taken; `wakeUps` counts sleeps that ended (for tests).
    private let condition = MonotonicCondition()
    private var generation = 0
    private var timers: [Duration] = []
    private var followers = 0
    private var handoffs = 0
    private var wakeUps = 0

    /// - Parameters:
    ///   - checkpoint: the checkpoint to store with a lease's renewal (its consumer's lowest lane
    ///     checkpoint), nil for none.
    ///   - onLost: called on a renewer thread with the shard ids of leases lost.
    ///   - onConfirmed: called on a renewer thread with the shard ids of lapsed leases that a
    ///     renewal confirmed again (their shards may go on).
    init(
        coordinator: LeaseCoordinator, threads: Int, makeStore: @escaping @Sendable () -> LeaseStore,
        clock: ConsumerClock, stop: StopLatch, checkpoint: @escaping @Sendable (String) -> LeaseCheckpoint?,
        onLost: @escaping @Sendable ([String]) -> Void, onConfirmed: @escaping @Sendable ([String]) -> Void = { _ in }
    ) {
        self.coordinator = coordinator
        self.threads = max(1, threads)
        self.makeStore = makeStore
        self.clock = clock
        self.stop = stop
        self.checkpoint = checkpoint
        self.onLost = onLost
        self.onConfirmed = onConfirmed
    }

    /// Wakes every sleeping renewer to look at the leases again (a lease was taken, or stop).
    func wake() {
        condition.lock()
        generation += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Sleeps that ended so far, over all threads (each is one look at the schedule).
    var wakeUpCount: Int { condition.withLock { wakeUps } }

    /// Threads asleep now (timers and followers).
    var sleepingCount: Int { condition.withLock { timers.count + followers } }

    /// One renewer thread's loop; returns when `stop` has fired.
    func run() {
        let store = makeStore()
        while !stop.isFired {
            coordinator.noteLapses()
            let seen = condition.withLock { generation }
            switch coordinator.nextRenewalStep() {
            case .beat(let sentAt):
                handOff()
                coordinator.beat(sentAt: sentAt, using: store)
            case .renew(let job):
                let shardId = job.lease.shardId
                let stored = checkpoint(shardId)
                // A round the heartbeat covers makes no call: on to the next due one.
                if coordinator.cover(job, checkpoint: stored) { continue }
                handOff()
                switch coordinator.renew(job, using: store, checkpoint: stored) {
                case .lost: onLost([shardId])
                case .confirmed: onConfirmed([shardId])
                case .renewed, .missed, .stale: break
                }
            case .wait(let until):
                sleep(until: until ?? clock.now() + coordinator.renewalPeriod, unlessPast: seen)
            }
        }
    }

    /// Before a call: wakes one idle thread to take the next due job or watch the schedule while
    /// this one is busy. (Even with a timer asleep: its deadline may be later than the next round,
    /// when it went to sleep before a thread with an earlier deadline did.)
    private func handOff() {
        condition.lock()
        defer { condition.unlock() }
        guard followers > handoffs else { return }
        handoffs += 1
        condition.signal()
    }

    private func sleep(until deadline: Duration, unlessPast seen: Int) {
        condition.lock()
        defer { condition.unlock() }
        guard generation == seen && !stop.isFired else { return }
        defer { wakeUps += 1 }
        if timers.contains(where: { $0 <= deadline }) {
            // A timer wakes no later than this thread's next event would: wait to be handed work.
            // (A timer's deadline is the earliest event it saw; events only come sooner when a
            // call ends or a lease is taken, and then that thread or `wake()` looks again.)
            followers += 1
            defer { followers -= 1 }
            while generation == seen && !stop.isFired && handoffs == 0 { condition.wait() }
            if handoffs > 0 { handoffs -= 1 }
            return
        }
        timers.append(deadline)
        defer { timers.remove(at: timers.firstIndex(of: deadline)!) }
        while generation == seen && !stop.isFired {
            if !clock.wait(on: condition, until: deadline) { return }
        }
    }
}
