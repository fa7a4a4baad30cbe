import CCurl
import Foundation

/// A one-way "stop now" signal shared by transports and retry sleeps.
///
/// Shutdown raises it once; every blocked `CurlTransport.send` then fails with kind `.cancelled`
/// (libcurl's progress callback reads it about once a second), and every retry sleep wakes at once.
/// It cannot be lowered again: a component that should run on builds a new flag.
public final class AbortFlag: @unchecked Sendable {
    // `word` is read and written only with atomic operations (the progress callback reads it on
    // the transferring thread); `condition` guards nothing but the wake-up of sleepers. Sleeps
    // are measured on the monotonic clock, so a wall-clock step neither stretches nor cuts them.
    private let word: UnsafeMutablePointer<Int32>
    private let condition = MonotonicCondition()

    public init() {
        word = .allocate(capacity: 1)
        word.initialize(to: 0)
    }

    deinit { word.deallocate() }

    /// Whether `raise()` has been called.
    public var isRaised: Bool { zael_atomic_load_int(word) != 0 }

    /// Raises the flag and wakes every `sleep(for:)` in progress.
    public func raise() {
        condition.lock()
        zael_atomic_store_int(word, 1)
        condition.broadcast()
        condition.unlock()
    }

    /// Sleeps for `duration` unless the flag is raised first; returns false when it was raised
    /// (before or during the sleep).
    @discardableResult
    public func sleep(for duration: Duration) -> Bool {
        let deadline = ContinuousClock.now.advanced(by: duration)
        condition.lock()
        defer { condition.unlock() }
        while !isRaised {
            if !condition.wait(until: deadline) { return !isRaised }
        }
        return false
    }
}
