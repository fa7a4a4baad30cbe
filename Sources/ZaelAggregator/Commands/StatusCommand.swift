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

    func validate() throws {
        guard interval >= 0.2 else { throw ValidationError("--interval must be at least 0.2 seconds") }
    }

    func run() throws {
        if cluster {
            // The lease-table reader needs the DynamoDB client, which the engine wiring brings.
            printToStandardError(
                "zael-aggregator status --cluster: not wired yet in this build (needs the lease table reader)")
            throw ExitCode(70)
        }
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
}
