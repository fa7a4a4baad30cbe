import Logging
import SystemdSupport

/// The long-running service behind `zael-aggregator run`: the seam between the command line and the
/// engine (ShardScheduler, LeaseCoordinator, UsageAggregator, metrics, status socket).
///
/// `RunCommand` hands it a validated configuration, its source (for SIGHUP reloads, with
/// `AggregatorConfiguration.diff` telling which changes apply live), a notifier, the shared log
/// level control and a logger. `run()` owns the lifecycle and must:
/// - notify `READY=1` only once leases are being served (never before),
/// - start `WatchdogService` when `services.watchdogInterval` is set and register the
///   shard workers and lease renewer with its `ProgressMonitor`,
/// - watch signals with `SignalWatcher` (SIGTERM/SIGINT: shutdown; SIGHUP: reload);
/// - on SIGHUP: `RELOADING=1`, reload, apply reloadable keys, log the restart-required ones,
///   then `READY=1`; on SIGTERM: `STOPPING=1`, checkpoint, release leases, return.
protocol DaemonRunner {
    /// Runs until a requested shutdown completes; throws `DaemonError` to end with a failure status.
    func run() throws(DaemonError)
}

/// Everything `Daemon` is given besides the configuration.
struct DaemonServices: Sendable {
    var source: ConfigurationSource
    var notifier: SystemdNotifier
    /// systemd's watchdog interval (`WatchdogSec=`), or `nil` when the unit sets none; start a
    /// `WatchdogService` with it.
    var watchdogInterval: Duration?
    var levelControl: LogLevelControl
    var logger: Logger
}

/// Why the daemon ended with a failure.
enum DaemonError: Error, Sendable, Equatable, CustomStringConvertible {
    /// This build has no engine behind `run` yet.
    case engineNotWired

    /// The process exit status: EX_SOFTWARE (70), so systemd restarts a unit that fails this way.
    var exitCode: Int32 {
        switch self {
        case .engineNotWired: return 70
        }
    }

    var description: String {
        switch self {
        case .engineNotWired:
            return "engine not wired yet: this build validates the configuration but cannot consume streams"
        }
    }
}

/// The daemon. This build has the command line, configuration, logging and systemd plumbing but no
/// engine: `run()` fails honestly instead of claiming readiness.
struct Daemon: DaemonRunner {
    var configuration: AggregatorConfiguration
    var services: DaemonServices

    func run() throws(DaemonError) {
        throw .engineNotWired
    }
}
