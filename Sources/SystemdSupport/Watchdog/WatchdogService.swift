import CSystemd
import Dispatch
import Foundation
import Logging

/// Sends systemd's `WATCHDOG=1` keep-alive at half of `WatchdogSec=`, but only while every
/// component registered with the `ProgressMonitor` made progress within its deadline. When one is
/// stale it stops pinging and logs which one is wedged, so systemd kills and restarts the daemon
/// (Restart=on-failure); if the component recovers first, pinging resumes and that is logged too.
///
/// The timer runs on the service's own serial queue. `tick(now:)` is the same evaluation without a
/// timer, for tests and for callers that drive it themselves.
public final class WatchdogService: @unchecked Sendable {
    /// What one evaluation did.
    public enum TickOutcome: Sendable, Equatable {
        /// Everything was healthy and `WATCHDOG=1` went out.
        case pinged
        /// Pings are withheld; the stale components, by name.
        case withheld([String])
        /// Healthy, but sending failed (logged).
        case sendFailed
    }

    /// systemd's watchdog interval (`WatchdogSec=`).
    public let interval: Duration
    private let notifier: SystemdNotifier
    private let monitor: ProgressMonitor
    private let logger: Logger
    private let queue = DispatchQueue(label: "zael.watchdog")
    private let lock = NSLock()
    // Guarded by `lock`: the components we last reported as wedged (to log transitions only once).
    private var reportedStale: Set<String> = []
    // Guarded by `lock`.
    private var timer: DispatchSourceTimer?

    /// The interval systemd asked this process for (`$WATCHDOG_USEC`, honouring `$WATCHDOG_PID`),
    /// or `nil` when the unit has no `WatchdogSec=`.
    public static func configuredInterval() -> Duration? {
        var usec: UInt64 = 0
        guard zael_sd_watchdog_enabled(&usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(clamping: usec))
    }

    /// - Parameters:
    ///   - interval: systemd's watchdog interval; pings go out every `interval / 2`.
    ///   - logger: where wedged components and recoveries are reported.
    public init(interval: Duration, notifier: SystemdNotifier, monitor: ProgressMonitor, logger: Logger) {
        self.interval = interval
        self.notifier = notifier
        self.monitor = monitor
        self.logger = logger
    }

    /// How often `start()` evaluates and pings: half the interval, as sd_watchdog_enabled(3) advises.
    public var pingInterval: Duration { interval / 2 }

    /// Starts the periodic pings (the first one immediately). Calling it twice does nothing.
    public func start() {
        lock.withLock {
            guard timer == nil else { return }
            let source = DispatchSource.makeTimerSource(queue: queue)
            let nanos = Int(
                clamping: pingInterval.components.seconds * 1_000_000_000
                    + pingInterval.components.attoseconds / 1_000_000_000)
            source.schedule(deadline: .now(), repeating: .nanoseconds(max(nanos, 1_000_000)), leeway: .milliseconds(10))
            source.setEventHandler { [weak self] in _ = self?.tick(now: .now) }
            source.resume()
            timer = source
        }
    }

    /// Stops the pings (at shutdown, before the last components unregister).
    public func stop() {
        let source = lock.withLock {
            defer { timer = nil }
            return timer
        }
        source?.cancel()
    }

    /// Evaluates the monitor at `now` and pings when every component is healthy.
    @discardableResult
    public func tick(now: ContinuousClock.Instant) -> TickOutcome {
        let stale = monitor.staleComponents(now: now)
        let names = Set(stale.map(\.name))
        let (newlyStale, recovered) = lock.withLock {
            defer { reportedStale = names }
            return (names.subtracting(reportedStale), reportedStale.subtracting(names))
        }
        for component in stale where newlyStale.contains(component.name) {
            logger.error(
                "watchdog: component wedged, withholding WATCHDOG=1",
                metadata: [
                    "component": "\(component.name)",
                    "silent_for": "\(component.silentFor)",
                    "deadline": "\(component.deadline)",
                ])
        }
        for name in recovered.sorted() {
            logger.notice("watchdog: component made progress again", metadata: ["component": "\(name)"])
        }
        guard stale.isEmpty else { return .withheld(stale.map(\.name)) }
        do {
            try notifier.notify(.watchdog)
            return .pinged
        } catch {
            logger.warning("watchdog: sending WATCHDOG=1 failed", metadata: ["error": "\(error)"])
            return .sendFailed
        }
    }

    deinit {
        timer?.cancel()
    }
}
