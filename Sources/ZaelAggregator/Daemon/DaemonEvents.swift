import Foundation
import SystemdSupport

/// Hands signals from the signal queue to the daemon's main loop, in order.
final class DaemonEvents: @unchecked Sendable {
    private let lock = NSLock()
    private let available = DispatchSemaphore(value: 0)
    // Guarded by `lock`.
    private var pending: [SignalWatcher.Signal] = []

    func post(_ signal: SignalWatcher.Signal) {
        lock.withLock { pending.append(signal) }
        available.signal()
    }

    /// The next signal, or nil when `timeout` passes first.
    func next(timeout: Duration) -> SignalWatcher.Signal? {
        guard available.wait(timeout: .now() + timeout.seconds) == .success else { return nil }
        return lock.withLock { pending.isEmpty ? nil : pending.removeFirst() }
    }
}
