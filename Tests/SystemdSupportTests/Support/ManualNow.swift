import Foundation

/// A settable "now" for ProgressMonitor and WatchdogService tests.
final class ManualNow: @unchecked Sendable {
    private let lock = NSLock()
    // Guarded by `lock`.
    private var instant = ContinuousClock.now

    var now: ContinuousClock.Instant { lock.withLock { instant } }

    func advance(by duration: Duration) {
        lock.withLock { instant = instant.advanced(by: duration) }
    }
}
