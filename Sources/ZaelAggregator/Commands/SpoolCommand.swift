import ArgumentParser
import Foundation
import Logging
import SystemdSupport
import ZaeLimiter

/// `zael-aggregator spool …`: work with the on-failure spool file.
struct SpoolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spool", abstract: "Work with the on-failure spool file.",
        subcommands: [SpoolReplayCommand.self])
}

/// `zael-aggregator spool replay FILE --config CONFIG`: applies spooled records to the snapshots.
struct SpoolReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Apply the records of a spool file to the usage snapshots, each at most once.",
        discussion: """
            Reads FILE (JSON lines written by the daemon to consumer.on_failure_spool) and applies every \
            record through the same aggregator the daemon runs, with the table, lease table and AWS \
            settings of CONFIG. Each record is written in one transaction with a replay marker in the \
            lease table (key spool-replay#SHARD#SEQUENCE#EVENT_ID) that must not exist yet, so replaying a file \
            twice, or two overlapping files, applies no record twice; an interrupted replay is finished \
            by running it again. Keep the markers as long as the file may be replayed.

            Skipped: lines with reason rejectedByProcessor (the aggregator already applied what it could \
            of them) and unreadable lines. Only usage snapshots are written.

            Exit status: 0 when every readable record was applied or had been before, 1 when some \
            records could not be applied (see the log), 69 when AWS kept failing (run again later), 66 \
            when FILE cannot be read, 78 for an invalid configuration or a permission AWS refuses.
            """)

    @Argument(help: "The spool file to replay.")
    var file: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The daemon's configuration file.", valueName: "CONFIG"))
    var config: String

    @OptionGroup var options: ConfigurationOptions

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let overrides = try options.overrides()
        let loaded: LoadedConfiguration
        do {
            loaded = try ConfigurationLoader(environment: environment).load(
                path: config, context: ConfigurationContext.current(configPath: config, environment: environment),
                overrides: overrides)
        } catch {
            for problem in error.problems { printToStandardError(problem.description) }
            throw ExitCode(ConfigurationError.exitCode)
        }
        let configuration = loaded.configuration
        LoggingBootstrap.bootstrap(
            format: configuration.logging.format,
            identifier: "zael-aggregator", levelControl: LogLevelControl(configuration.logging.level))
        let logger = Logger(label: "zael.spool-replay")
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            printToStandardError("\(file): cannot read: \(error.localizedDescription)")
            throw ExitCode(66)
        }
        do {
            let aws = try AWSEnvironment(configuration: configuration, environment: environment, logger: logger)
            let replayer = SpoolReplayer(
                client: aws.makeDynamoDB(), settings: configuration.aggregationSettings,
                markerTable: configuration.leases.table, logger: logger)
            let report = try replayer.replay(text)
            print(
                "applied \(report.applied), already replayed \(report.alreadyReplayed), "
                    + "without effects \(report.withoutEffects), skipped (rejected by processor) "
                    + "\(report.skippedRejected), unreadable lines \(report.unreadableLines), failed \(report.failed)")
            if report.failed > 0 { throw ExitCode(1) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            let failure = DaemonError.classify(error)
            printToStandardError("spool replay stopped: \(failure.description)")
            throw ExitCode(failure.exitCode)
        }
    }
}
