import Foundation

/// A mutex with a condition variable whose timed waits run on the monotonic clock.
///
/// `NSCondition.wait(until: Date)` measures its deadline on the wall clock, so an NTP step or a
/// manual `date -s` stretches or cuts every wait in progress. This condition is a pthread mutex
/// plus a pthread condition created with `pthread_condattr_setclock(CLOCK_MONOTONIC)`: a
/// deadline, given as a `ContinuousClock.Instant` or a `Duration` from now, is reached after that
/// much elapsed time whatever the wall clock does. (On Linux `ContinuousClock` also counts time
/// suspended; each wait converts its remaining time to CLOCK_MONOTONIC when it starts, so the two
/// differ only across a system suspend, which a server does not do.)
///
/// Use it as `NSCondition` is used: lock, re-check the predicate in a loop around `wait`, unlock.
/// Waits may return early (spurious wake-ups); callers re-check their predicate and deadline.
public final class MonotonicCondition: @unchecked Sendable {
    // The pthread objects live in heap cells of their own because they must never move; they are
    // the synchronisation itself and need no other guard.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
        var attributes = pthread_condattr_t()
        precondition(pthread_condattr_init(&attributes) == 0, "pthread_condattr_init failed")
        precondition(
            pthread_condattr_setclock(&attributes, clockid_t(CLOCK_MONOTONIC)) == 0,
            "pthread_condattr_setclock(CLOCK_MONOTONIC) failed")
        precondition(pthread_cond_init(condition, &attributes) == 0, "pthread_cond_init failed")
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deinitialize(count: 1)
        condition.deallocate()
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }

    public func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` with the mutex held.
    public func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Wakes one waiter. Call with the mutex held, after changing the predicate.
    public func signal() { pthread_cond_signal(condition) }

    /// Wakes every waiter. Call with the mutex held, after changing the predicate.
    public func broadcast() { pthread_cond_broadcast(condition) }

    /// Waits, with the mutex held, until signalled (or a spurious wake-up).
    public func wait() { pthread_cond_wait(condition, mutex) }

    /// Waits, with the mutex held, until signalled or `deadline`; returns false when the wait
    /// timed out (or the deadline had already passed), true when it was woken before.
    @discardableResult
    public func wait(until deadline: ContinuousClock.Instant) -> Bool {
        let left = ContinuousClock.now.duration(to: deadline)
        guard left > .zero else { return false }
        var target = Self.monotonicNow(plus: left)
        return pthread_cond_timedwait(condition, mutex, &target) != ETIMEDOUT
    }

    /// Waits, with the mutex held, until signalled or `duration` has elapsed; returns false when
    /// the wait timed out.
    @discardableResult
    public func wait(for duration: Duration) -> Bool {
        wait(until: ContinuousClock.now.advanced(by: duration))
    }

    /// CLOCK_MONOTONIC now plus `duration` (clamped to about 30 years, far beyond any wait, so
    /// that the seconds field cannot overflow).
    static func monotonicNow(plus duration: Duration) -> timespec {
        var now = timespec()
        clock_gettime(clockid_t(CLOCK_MONOTONIC), &now)
        let parts = duration.components
        let seconds = min(parts.seconds, 1_000_000_000)
        var nanoseconds = Int(now.tv_nsec) + Int(parts.attoseconds / 1_000_000_000)
        var wholeSeconds = Int(now.tv_sec) + Int(seconds)
        if nanoseconds >= 1_000_000_000 {
            nanoseconds -= 1_000_000_000
            wholeSeconds += 1
        }
        return timespec(tv_sec: time_t(wholeSeconds), tv_nsec: Int(nanoseconds))
    }
}
