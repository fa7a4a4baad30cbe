import AWSCore
import Foundation

/// A resettable wake-up for a loop that otherwise sleeps for a period (of the injected clock).
final class Wakeup: @unchecked Sendable {
    // `pending` is guarded by `condition`.
    private let condition = MonotonicCondition()
    private var pending = false
    private let clock: ConsumerClock

    init(clock: ConsumerClock = SystemClock()) { self.clock = clock }

    func wake() {
        condition.lock()
        pending = true
        condition.broadcast()
        condition.unlock()
    }

    /// Sleeps up to `duration` or until `wake()`; consumes the wake-up.
    func wait(_ duration: Duration) {
        let deadline = clock.now() + duration
        condition.lock()
        while !pending {
            if !clock.wait(on: condition, until: deadline) { break }
        }
        pending = false
        condition.unlock()
    }
}
