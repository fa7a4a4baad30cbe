import Dispatch
import Foundation
import ProbeSupport

// What the daemon does by hand (Sources/ZaelAggregator/Daemon/Daemon.swift): each service owns a
// thread or a Dispatch timer, is started in order, a Dispatch signal source posts SIGTERM, SIGINT
// and SIGHUP to the main thread, and the main thread stops the services in reverse order.

/// A service on its own thread (like the metrics HTTP server, the scheduler, the status socket).
final class ThreadService: @unchecked Sendable {
    let name: String
    private let wake = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var stopped = false  // guarded by `lock`
    private(set) var ticks = 0

    init(name: String) { self.name = name }

    func start(started: DispatchGroup) {
        started.enter()
        Thread.detachNewThread { [self] in
            started.leave()
            while !lock.withLock({ stopped }) {
                _ = wake.wait(timeout: .now() + 1)
                ticks += 1
            }
            done.signal()
        }
    }

    func stop() {
        lock.withLock { stopped = true }
        wake.signal()
        done.wait()
        Probe.emit("STOP \(name)")
    }
}

/// A service driven by a Dispatch timer (like the EMF writer and the watchdog).
final class TimerService: @unchecked Sendable {
    let name: String
    private let timer: DispatchSourceTimer

    init(name: String) {
        self.name = name
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "probe.\(name)"))
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler {}
    }

    func start() { timer.resume() }

    func stop() {
        timer.cancel()
        Probe.emit("STOP \(name)")
    }
}

/// Signals posted to the main thread, like DaemonEvents.
final class Events: @unchecked Sendable {
    private let lock = NSLock()
    private let available = DispatchSemaphore(value: 0)
    private var queue: [Int32] = []  // guarded by `lock`

    func post(_ signal: Int32) {
        lock.withLock { queue.append(signal) }
        available.signal()
    }

    func next() -> Int32 {
        available.wait()
        return lock.withLock { queue.removeFirst() }
    }
}

/// The daemon's start and stop, outside the main actor like `Daemon.run` (top-level code is
/// main-actor isolated, and a Dispatch handler formed there would trap off the main thread).
enum DispatchDaemon {
    static func run() -> Never {
        let events = Events()
        let signalQueue = DispatchQueue(label: "probe.signals")
        var sources: [DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: signalQueue)
            source.setEventHandler { events.post(number) }
            source.resume()
            sources.append(source)
        }

        let started = DispatchGroup()
        let metrics = ThreadService(name: "metrics")
        let emf = TimerService(name: "emf")
        let scheduler = ThreadService(name: "scheduler")
        let status = ThreadService(name: "status")
        let watchdog = TimerService(name: "watchdog")
        metrics.start(started: started)
        emf.start()
        scheduler.start(started: started)
        status.start(started: started)
        watchdog.start()
        started.wait()
        Probe.emit("READY")
        Probe.emit("IDLE")

        while true {
            let received = events.next()
            if received == SIGHUP { continue }  // the daemon reloads here
            for source in sources { source.cancel() }
            Probe.emit("STOP signals")
            watchdog.stop()
            status.stop()
            scheduler.stop()
            emf.stop()
            metrics.stop()
            Probe.emit("EXIT")
            exit(0)
        }
    }
}

DispatchDaemon.run()
