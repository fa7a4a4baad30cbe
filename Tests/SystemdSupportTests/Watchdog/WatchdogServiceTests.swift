import Foundation
import InMemoryLogging
import Logging
import TestPeers
import Testing

@testable import SystemdSupport

@Suite struct WatchdogServiceTests {
    @Test func pingsStopWhileAComponentIsStale_andResumeAfterItBeats() throws {
        let receiver = try NotifyReceiver()
        let clock = ManualNow()
        let monitor = ProgressMonitor(now: { clock.now })
        let logs = InMemoryLogHandler()
        let watchdog = WatchdogService(
            interval: .seconds(30), notifier: SystemdNotifier(socketPath: receiver.address), monitor: monitor,
            logger: Logger(label: "test", factory: { _ in logs }))
        let shard = monitor.register(name: "shard shardId-0001", deadline: .seconds(20))
        _ = monitor.register(name: "lease renewer", deadline: .seconds(60))

        clock.advance(by: .seconds(15))
        #expect(watchdog.tick(now: clock.now) == .pinged)
        #expect(receiver.drain() == ["WATCHDOG=1"])

        clock.advance(by: .seconds(10))  // shard silent for 25 s > 20 s
        #expect(watchdog.tick(now: clock.now) == .withheld(["shard shardId-0001"]))
        #expect(watchdog.tick(now: clock.now) == .withheld(["shard shardId-0001"]))
        #expect(receiver.drain() == [])
        let wedged = logs.entries.filter { $0.level == .error }
        #expect(wedged.count == 1)  // logged once per transition, not per tick
        #expect(wedged.first?.metadata["component"]?.description == "shard shardId-0001")

        monitor.beat(shard)
        #expect(watchdog.tick(now: clock.now) == .pinged)
        #expect(receiver.drain() == ["WATCHDOG=1"])
        #expect(
            logs.entries.contains {
                $0.level == .notice && $0.metadata["component"]?.description == "shard shardId-0001"
            })
    }

    @Test func timer_pingsAtHalfTheInterval_onlyWhileHealthy() throws {
        let receiver = try NotifyReceiver()
        let monitor = ProgressMonitor()
        let watchdog = WatchdogService(
            interval: .milliseconds(200), notifier: SystemdNotifier(socketPath: receiver.address), monitor: monitor,
            logger: Logger(label: "test", factory: { _ in InMemoryLogHandler() }))
        #expect(watchdog.pingInterval == .milliseconds(100))
        let worker = monitor.register(name: "worker", deadline: .milliseconds(300))
        watchdog.start()
        defer { watchdog.stop() }

        // Healthy: beat continuously for 0.6 s; pings arrive about every 100 ms.
        let healthyUntil = ContinuousClock.now.advanced(by: .milliseconds(600))
        while ContinuousClock.now < healthyUntil {
            monitor.beat(worker)
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(receiver.drain().count >= 2)

        // Wedged: no beats. After the deadline plus a tick, nothing more may arrive.
        Thread.sleep(forTimeInterval: 0.6)
        _ = receiver.drain()
        #expect(receiver.receive(timeout: .milliseconds(500)) == nil)

        // Recovered: one beat, and pings resume within a couple of ticks.
        monitor.beat(worker)
        #expect(receiver.receive(timeout: .seconds(2)) == "WATCHDOG=1")
    }

    @Test func withoutNotifySocket_healthyTickCountsAsPinged() {
        let watchdog = WatchdogService(
            interval: .seconds(10), notifier: SystemdNotifier(socketPath: nil), monitor: ProgressMonitor(),
            logger: Logger(label: "test", factory: { _ in InMemoryLogHandler() }))
        #expect(watchdog.tick(now: .now) == .pinged)
    }
}
