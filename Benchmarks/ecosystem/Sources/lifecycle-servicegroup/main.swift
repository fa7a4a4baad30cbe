import Foundation
import Logging
import ProbeSupport
import ServiceLifecycle
import UnixSignals

// The same six services under swift-service-lifecycle's ServiceGroup: it traps SIGTERM/SIGINT
// and shuts the services down gracefully in reverse order; SIGHUP (the daemon's reload) is a
// service of its own over UnixSignalsSequence.

/// Counts services that have started; says READY when all have.
final class StartCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0  // guarded by `lock`
    let expected: Int

    init(expected: Int) { self.expected = expected }

    func arrive() {
        let all = lock.withLock {
            count += 1
            return count == expected
        }
        if all {
            Probe.emit("READY")
            Probe.emit("IDLE")
        }
    }
}

/// A service that ticks once a second until the group shuts it down gracefully.
struct TickingService: Service, CustomStringConvertible {
    let name: String
    let counter: StartCounter
    var description: String { name }

    func run() async throws {
        counter.arrive()
        try? await cancelWhenGracefulShutdown {
            while true { try await Task.sleep(for: .seconds(1)) }
        }
        Probe.emit("STOP \(name)")
    }
}

/// SIGHUP watcher (the daemon reloads its configuration here).
struct ReloadSignalService: Service, CustomStringConvertible {
    let counter: StartCounter
    var description: String { "signals" }

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        counter.arrive()
        await cancelWhenGracefulShutdown {
            for await _ in hangups {}
        }
        Probe.emit("STOP signals")
    }
}

@main
struct LifecycleServiceGroup {
    static func main() async throws {
        var logger = Logger(label: "probe")
        logger.logLevel = .warning
        let counter = StartCounter(expected: 6)
        let services: [any Service] =
            ["metrics", "emf", "scheduler", "status", "watchdog"].map { TickingService(name: $0, counter: counter) }
            + [ReloadSignalService(counter: counter)]
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        Probe.emit("EXIT")
    }
}
