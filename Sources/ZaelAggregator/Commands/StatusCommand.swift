import ArgumentParser
import Foundation
import Observability

/// `zael-aggregator status`: what a running instance is doing, read from its status socket.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what a running instance is doing: shards, checkpoints, iterator age, rates, errors.",
        discussion: """
            Reads the instance's status socket (status.socket; under systemd \
            /run/zael-aggregator/NAME/status.sock). Without NAME, the only instance running on this host. \
            --cluster shows the lease table instead: every worker, unowned and ended leases.

            Exit status: 0, 69 when the instance cannot be reached, 78 for an invalid configuration.
            """)

    @Argument(help: "The instance NAME (as in zael-aggregator@NAME); default: the only one running here.")
    var name: String?

    @Option(help: ArgumentHelp("The status socket to read (skips the lookup by NAME).", valueName: "PATH"))
    var socket: String?

    @Option(
        help: ArgumentHelp("The instance's configuration (default /etc/zael-aggregator/NAME.toml).", valueName: "FILE"))
    var config: String?

    @Flag(help: "Print the daemon's JSON document instead of a table.")
    var json = false

    @Flag(help: "Refresh until interrupted.")
    var watch = false

    @Option(help: ArgumentHelp("Seconds between refreshes with --watch.", valueName: "SECONDS"))
    var interval: Double = 2

    @Flag(help: "Show the lease table of all workers instead of this host's instance.")
    var cluster = false

    @Option(help: ArgumentHelp("With --cluster: the lease table (wins over the configuration's).", valueName: "NAME"))
    var leaseTable: String?

    @Option(
        help: ArgumentHelp(
            "With --cluster: the zae-limiter table (its stream's shards; default lease table NAME-zael-leases).",
            valueName: "NAME"))
    var table: String?

    @Option(help: ArgumentHelp("With --cluster: the DynamoDB and Streams endpoint URL.", valueName: "URL"))
    var endpoint: String?

    @Option(help: ArgumentHelp("With --cluster: the AWS region.", valueName: "REGION"))
    var region: String?

    func validate() throws {
        guard interval >= 0.2 else { throw ValidationError("--interval must be at least 0.2 seconds") }
    }

    func run() throws {
        if cluster { return try runCluster() }
        let path: String
        do {
            path = try StatusSocketLocator().resolve(name: name, socket: socket, config: config)
        } catch {
            printToStandardError("zael-aggregator status: \(error.description)")
            if case .configuration = error { throw ExitCode(ConfigurationError.exitCode) }
            throw ExitCode(69)
        }
        while true {
            do {
                let text =
                    json
                    ? String(decoding: try StatusClient.fetchRaw(path: path), as: UTF8.self)
                    : StatusRenderer.table(try StatusClient.fetch(path: path))
                // Unbuffered, so each --watch frame shows at once; clear the screen first.
                let frame = (watch ? "\u{1B}[H\u{1B}[2J" : "") + (text.hasSuffix("\n") ? text : text + "\n")
                FileHandle.standardOutput.write(Data(frame.utf8))
            } catch {
                printToStandardError("zael-aggregator status: cannot read \(path): \(error) (is the instance running?)")
                throw ExitCode(69)
            }
            guard watch else { return }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    private func runCluster() throws {
        let configPath =
            config
            ?? name.map { "/etc/zael-aggregator/\($0).toml" }.flatMap {
                FileManager.default.fileExists(atPath: $0) ? $0 : nil
            }
        let reader: ClusterStatusReader
        do {
            reader = try ClusterStatusReader(
                configPath: configPath, leaseTable: leaseTable, table: table, endpoint: endpoint, region: region,
                environment: ProcessInfo.processInfo.environment)
        } catch {
            printToStandardError("zael-aggregator status: \(error)")
            throw ExitCode(ConfigurationError.exitCode)
        }
        while true {
            do {
                let status = try reader.read()
                let text = json ? status.json() : status.table()
                let frame = (watch ? "\u{1B}[H\u{1B}[2J" : "") + text
                FileHandle.standardOutput.write(Data(frame.utf8))
            } catch {
                printToStandardError("zael-aggregator status: cannot read lease table \(reader.leaseTable): \(error)")
                throw ExitCode(69)
            }
            guard watch else { return }
            Thread.sleep(forTimeInterval: interval)
        }
    }
}
