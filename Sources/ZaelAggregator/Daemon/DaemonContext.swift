import Logging
import SystemdSupport

/// Everything `Daemon` is given besides the configuration.
struct DaemonContext: Sendable {
    var source: ConfigurationSource
    var notifier: SystemdNotifier
    /// systemd's watchdog interval (`WatchdogSec=`), or `nil` when the unit sets none.
    var watchdogInterval: Duration?
    var levelControl: LogLevelControl
    var logger: Logger
}
