import ArgumentParser
import Foundation
import Logging
import SystemdSupport

/// `zael-aggregator run --config FILE`: the daemon itself, normally started by systemd.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the aggregator (normally started by systemd as zael-aggregator@NAME.service).",
        discussion: """
            Loads and validates the configuration (file, then ZAEL_<SECTION>_<KEY> environment variables, \
            then flags), sets up logging (journald when started by systemd), and runs until SIGTERM. \
            SIGHUP reloads the configuration: batch size, batching window, parallelization factor, \
            retries, record age, bisect, idle poll and log level apply live; other changes are logged \
            and need a restart.

            Exit status: 0 after a clean stop, 78 (EX_CONFIG) for an invalid configuration (systemd does \
            not restart the unit), 70 for an internal failure.
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("The configuration file.", valueName: "FILE"))
    var config: String

    @OptionGroup var options: ConfigurationOptions

    func run() throws {
        // systemd's watchdog ends a wedged daemon with SIGABRT. The Swift runtime's backtracer
        // catches SIGABRT, prints a backtrace and returns, so a signal sent from outside would
        // leave the process running until TimeoutAbortSec's SIGKILL. The daemon's own log already
        // names the wedged component; crashes (SIGILL, SIGSEGV, ...) keep their backtraces.
        signal(SIGABRT, SIG_DFL)
        let notifier = SystemdNotifier()
        let environment = ProcessInfo.processInfo.environment
        let source = ConfigurationSource(
            path: config, loader: ConfigurationLoader(environment: environment),
            context: ConfigurationContext.current(configPath: config, environment: environment),
            overrides: try options.overrides())
        let loaded: LoadedConfiguration
        do {
            loaded = try source.load()
        } catch {
            // Under journald, "<3>" marks each line as an error (SyslogLevelPrefix=, on by default).
            let prefix = JournaldDetection.stderrIsJournal() ? "<3>" : ""
            for problem in error.problems { printToStandardError(prefix + problem.description) }
            let count = error.problems.count
            printToStandardError("\(prefix)\(config): configuration invalid (\(count) problem\(count == 1 ? "" : "s"))")
            _ = try? notifier.notify(.status("configuration invalid: \(count) problem(s) in \(config)"))
            throw ExitCode(ConfigurationError.exitCode)
        }

        let configuration = loaded.configuration
        let levelControl = LogLevelControl(configuration.logging.level)
        LoggingBootstrap.bootstrap(
            format: configuration.logging.format, identifier: "zael-aggregator", levelControl: levelControl)
        var logger = Logger(label: "zael.daemon")
        logger[metadataKey: "table"] = "\(configuration.table.name)"
        // $WATCHDOG_USEC / $WATCHDOG_PID, as systemd set them for WatchdogSec=.
        let watchdogInterval = WatchdogService.configuredInterval()
        logger.info(
            "configuration loaded",
            metadata: [
                "config": "\(config)", "version": "\(Version.current)",
                "worker.id": "\(configuration.leases.workerID)",
                "watchdog.interval": "\(watchdogInterval.map { "\($0)" } ?? "off")",
            ])

        let daemon = Daemon(
            configuration: configuration,
            context: DaemonContext(
                source: source, notifier: notifier, watchdogInterval: watchdogInterval, levelControl: levelControl,
                logger: logger))
        do {
            try daemon.run()
        } catch {
            logger.critical("zael-aggregator stopped: \(error.description)")
            _ = try? notifier.notify(.status("failed: \(error.description)"))
            throw ExitCode(error.exitCode)
        }
    }
}
