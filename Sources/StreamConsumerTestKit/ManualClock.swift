import Foundation
import StreamConsumer

/// A clock that moves only when a test says so.
public final class ManualClock: ConsumerClock, @unchecked Sendable {
    // `elapsed` is guarded by `lock`.
    private let lock = NSLock()
    private var elapsed: Duration = .zero
    private let wallOrigin: Double

    public init(wallOrigin: Double = 1_800_000_000) { self.wallOrigin = wallOrigin }

    public func now() -> Duration { lock.withLock { elapsed } }
    public func wallSeconds() -> Double {
        let parts = now().components
        return wallOrigin + Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// Moves time forward.
    public func advance(by duration: Duration) { lock.withLock { elapsed += duration } }
}
