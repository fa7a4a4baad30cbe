import Testing

@testable import SystemdSupport

@Suite struct ProgressMonitorTests {
    @Test func componentIsStale_onlyAfterItsDeadline() {
        let clock = ManualNow()
        let monitor = ProgressMonitor(now: { clock.now })
        _ = monitor.register(name: "shard-1", deadline: .seconds(10))
        _ = monitor.register(name: "lease renewer", deadline: .seconds(3))
        #expect(monitor.check(now: clock.now.advanced(by: .seconds(3))) == [])
        #expect(monitor.check(now: clock.now.advanced(by: .seconds(4))) == ["lease renewer"])
        #expect(monitor.check(now: clock.now.advanced(by: .seconds(11))) == ["lease renewer", "shard-1"])
    }

    @Test func beat_resetsTheDeadline() {
        let clock = ManualNow()
        let monitor = ProgressMonitor(now: { clock.now })
        let token = monitor.register(name: "shard-1", deadline: .seconds(5))
        clock.advance(by: .seconds(4))
        monitor.beat(token)
        clock.advance(by: .seconds(4))
        #expect(monitor.check(now: clock.now) == [])
        clock.advance(by: .seconds(2))
        let stale = monitor.staleComponents(now: clock.now)
        #expect(stale.map(\.name) == ["shard-1"])
        #expect(stale.first?.silentFor == .seconds(6))
        #expect(stale.first?.deadline == .seconds(5))
    }

    @Test func unregister_removesTheComponent() {
        let clock = ManualNow()
        let monitor = ProgressMonitor(now: { clock.now })
        let token = monitor.register(name: "shard-1", deadline: .seconds(1))
        #expect(monitor.count == 1)
        monitor.unregister(token)
        monitor.beat(token)  // a late beat of an unregistered worker must not resurrect it
        #expect(monitor.count == 0)
        #expect(monitor.check(now: clock.now.advanced(by: .seconds(60))) == [])
    }

    @Test func concurrentBeats_areSafe() async {
        let monitor = ProgressMonitor()
        let tokens = (0..<8).map { monitor.register(name: "w\($0)", deadline: .seconds(60)) }
        await withTaskGroup(of: Void.self) { group in
            for token in tokens {
                group.addTask {
                    for _ in 0..<2_000 { monitor.beat(token) }
                }
            }
        }
        #expect(monitor.count == 8)
        #expect(monitor.check(now: .now) == [])
    }
}
