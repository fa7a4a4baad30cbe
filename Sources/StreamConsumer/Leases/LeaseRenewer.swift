import AWSCore
import Foundation

/// Renews the coordinator's held leases on a small, fixed pool of threads, apart from the lease
/// loop's scans and takes, so that one slow call delays only its own lease.
///
/// Each thread owns one `LeaseStore` (built with `makeStore`, whose calls must end within the
/// coordinator's `renewalDeadline`, retries included) and loops: give up expired leases, renew
/// the lease whose round (every failover/3) is due first, or sleep until the next round or
/// expiry. A lease never has two calls in flight; a call that fails or runs late is retried at
/// its lease's next round, and the lease is given up only when the failover time has passed
/// since its last successful renewal was sent (KCL's rule). The pool does not grow with the
/// shard count: with calls of tens of milliseconds a few threads renew hundreds of leases, and
/// a slow lease table stalls at most `threads` renewals at once.
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

    // `generation` is guarded by `condition`; it moves on every `wake()`.
    private let condition = MonotonicCondition()
    private var generation = 0

    /// - Parameters:
    ///   - checkpoint: the checkpoint to store with a lease's renewal (its consumer's lowest lane
    ///     checkpoint), nil for none.
    ///   - onLost: called on a renewer thread with the shard ids of leases given up or lost.
    init(
        coordinator: LeaseCoordinator, threads: Int, makeStore: @escaping @Sendable () -> LeaseStore,
        clock: ConsumerClock, stop: StopLatch, checkpoint: @escaping @Sendable (String) -> LeaseCheckpoint?,
        onLost: @escaping @Sendable ([String]) -> Void
    ) {
        self.coordinator = coordinator
        self.threads = max(1, threads)
        self.makeStore = makeStore
        self.clock = clock
        self.stop = stop
        self.checkpoint = checkpoint
        self.onLost = onLost
    }

    /// Wakes every sleeping renewer to look at the leases again (a lease was taken, or stop).
    func wake() {
        condition.lock()
        generation += 1
        condition.broadcast()
        condition.unlock()
    }

    /// One renewer thread's loop; returns when `stop` has fired.
    func run() {
        let store = makeStore()
        while !stop.isFired {
            let expired = coordinator.dropExpired()
            if !expired.isEmpty { onLost(expired) }
            let seen = condition.withLock { generation }
            switch coordinator.nextRenewalStep() {
            case .renew(let job):
                let shardId = job.lease.shardId
                // This thread looks at the schedule again right after, so the lease's next round
                // is always seen by an idle thread without waking the others.
                if coordinator.renew(job, using: store, checkpoint: checkpoint(shardId)) == .lost { onLost([shardId]) }
            case .wait(let until):
                sleep(until: until ?? clock.now() + coordinator.renewalPeriod, unlessPast: seen)
            }
        }
    }

    private func sleep(until deadline: Duration, unlessPast seen: Int) {
        condition.lock()
        defer { condition.unlock() }
        while generation == seen && !stop.isFired {
            if !clock.wait(on: condition, until: deadline) { return }
        }
    }
}
