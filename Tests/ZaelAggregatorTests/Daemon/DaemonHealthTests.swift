import Foundation
import StreamConsumer
import SystemdSupport
import Testing

@testable import ZaelAggregator

/// Liveness from inside a shard's AWS calls keeps its component fresh, and never revives one.
@Suite struct DaemonHealthTests {
    final class ManualInstant: @unchecked Sendable {
        // `offset` is guarded by `lock`.
        private let lock = NSLock()
        private let origin = ContinuousClock.now
        private var offset = Duration.zero
        func advance(_ duration: Duration) { lock.withLock { offset += duration } }
        var now: ContinuousClock.Instant { lock.withLock { origin + offset } }
    }

    @Test func callAttemptsKeepAShardAlive_butDoNotReviveAStoppedOne() {
        let clock = ManualInstant()
        let monitor = ProgressMonitor(now: { clock.now })
        let health = DaemonHealth(monitor: monitor, deadline: .seconds(10))
        health.report(.shardConsumer(shardId: "a"))
        // A lane inside a long, throttled call: no loop turn, but attempts.
        for _ in 0..<5 {
            clock.advance(.seconds(8))
            health.alive(shardId: "a")
            #expect(monitor.check(now: clock.now).isEmpty)
        }
        clock.advance(.seconds(11))
        #expect(monitor.check(now: clock.now) == ["shard a"], "silence past the deadline is still a wedge")

        health.report(.shardConsumerStopped(shardId: "a"))
        #expect(monitor.count == 0)
        health.alive(shardId: "a")
        health.alive(shardId: "never-registered")
        #expect(monitor.count == 0, "a late call of a stopped consumer must not register it again")
    }
}
