import ArgumentParser

/// The `zael-aggregator` command line. `main` stays thin: each subcommand parses its flags and
/// hands over to the configuration loader and the `Daemon`.
@main
struct ZaelAggregatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zael-aggregator",
        abstract:
            "Aggregate zae-limiter usage snapshots from a DynamoDB Stream (replaces zae-limiter's Lambda aggregator).",
        discussion: """
            Run one instance per zae-limiter table, normally as the systemd unit zael-aggregator@NAME.service \
            with its configuration in /etc/zael-aggregator/NAME.toml.

            Configuration precedence: the TOML file, then environment variables ZAEL_<SECTION>_<KEY> \
            (e.g. ZAEL_CONSUMER_BATCH_SIZE=200), then command-line flags (--set, --log-level, --log-format).

            Exit status: 0 success, 64 usage error, 70 internal error, 78 invalid configuration \
            (systemd does not restart the unit on 78).
            """,
        version: Version.current,
        subcommands: [RunCommand.self, CheckConfigCommand.self, StatusCommand.self, SpoolCommand.self]
    )
}
