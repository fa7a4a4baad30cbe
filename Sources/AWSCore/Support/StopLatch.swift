import CCurl
import Foundation

/// A one-way "stop now" latch: `fire()` once, and every wait in progress or to come ends at once.
///
/// The daemon's abort latch stops the AWS transports (every blocked `CurlTransport.send` then
/// fails with kind `.cancelled`; libcurl's progress callback reads it about once a second) and
/// the retry sleeps; the engine's latches end its loops and pauses at shutdown. It cannot be
/// reset: a component that should run on makes a new latch.
public final class StopLatch: @unchecked Sendable {
    // `word` is read and written only with atomic operations (the progress callback reads it on
    // the transferring thread); `condition` guards nothing but the wake-up of waiters.
    private let word: UnsafeMutablePointer<Int32>
    private let condition = MonotonicCondition()
    private let clock: any WaitClock

    /// - Parameter clock: what waits are measured on; by default the monotonic clock, so that a
    ///   wall-clock step neither stretches nor cuts them.
    public init(clock: any WaitClock = MonotonicWaitClock()) {
        self.clock = clock
        word = .allocate(capacity: 1)
        word.initialize(to: 0)
    }

    deinit { word.deallocate() }

    /// Whether `fire()` has been called.
    public var isFired: Bool { zael_atomic_load_int(word) != 0 }

    /// Fires the latch and wakes every wait in progress.
    public func fire() {
        condition.lock()
        zael_atomic_store_int(word, 1)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits up to `duration` of the clock; returns true when the latch fired (before or during
    /// the wait), false when the time ran out.
    @discardableResult
    public func wait(_ duration: Duration) -> Bool {
        let deadline = clock.now() + duration
        condition.lock()
        defer { condition.unlock() }
        while !isFired {
            if !clock.wait(on: condition, until: deadline) { break }
        }
        return isFired
    }
}
