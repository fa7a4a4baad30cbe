import Logging
import SystemdSupport

/// The long-running service behind `zael-aggregator run`, as `RunCommand` sees it.
protocol DaemonRunner {
    /// Runs until a requested shutdown completes; throws `DaemonError` to end with a failure status.
    func run() throws(DaemonError)
}

/// Everything `Daemon` is given besides the configuration.
struct DaemonServices: Sendable {
    var source: ConfigurationSource
    var notifier: SystemdNotifier
    /// systemd's watchdog interval (`WatchdogSec=`), or `nil` when the unit sets none.
    var watchdogInterval: Duration?
    var levelControl: LogLevelControl
    var logger: Logger
}
