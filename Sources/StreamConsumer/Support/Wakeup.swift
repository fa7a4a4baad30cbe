import Foundation

/// A resettable wake-up for a loop that otherwise sleeps for a period.
final class Wakeup: @unchecked Sendable {
    // `pending` is guarded by `condition`.
    private let condition = NSCondition()
    private var pending = false

    func wake() {
        condition.lock()
        pending = true
        condition.broadcast()
        condition.unlock()
    }

    /// Sleeps up to `duration` or until `wake()`; consumes the wake-up.
    func wait(_ duration: Duration) {
        let deadline = Date().addingTimeInterval(duration.seconds)
        condition.lock()
        while !pending {
            if !condition.wait(until: deadline) { break }
        }
        pending = false
        condition.unlock()
    }
}
