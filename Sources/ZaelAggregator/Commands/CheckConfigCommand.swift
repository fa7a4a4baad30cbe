import ArgumentParser
import Foundation

/// `zael-aggregator check-config FILE`: validate a configuration and print the effective values.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file and print the effective configuration.",
        discussion: """
            Applies ZAEL_<SECTION>_<KEY> environment variables and the override flags exactly as 'run' does, \
            then prints every key with its effective value and where it came from (file line, environment, \
            flag or default). Passwords in endpoint URLs are masked. Every problem is reported, one per line \
            on stderr, naming the key, where it was set and what is allowed.

            Exit status: 0 when valid, 78 (EX_CONFIG) when not.
            """)

    @Argument(help: "The configuration file, e.g. /etc/zael-aggregator/prod.toml.")
    var file: String

    @OptionGroup var options: ConfigurationOptions

    func run() throws {
        let result = Self.check(
            path: file, environment: ProcessInfo.processInfo.environment, overrides: try options.overrides())
        if !result.output.isEmpty { print(result.output, terminator: "") }
        if !result.errors.isEmpty { printToStandardError(result.errors) }
        if result.status != 0 { throw ExitCode(result.status) }
    }

    /// What `check-config` prints and returns, without touching the process's streams.
    struct Result: Sendable {
        /// The effective configuration (stdout), empty when invalid.
        var output: String
        /// One line per problem (stderr).
        var errors: String
        /// 0, or 78 when the configuration is invalid.
        var status: Int32
    }

    static func check(path: String, environment: [String: String], overrides: [CommandLineOverride]) -> Result {
        let context = ConfigurationContext.current(configPath: path, environment: environment)
        do {
            let loaded = try ConfigurationLoader(environment: environment).load(
                path: path, context: context, overrides: overrides)
            return Result(output: EffectiveConfigurationPrinter.render(loaded), errors: "", status: 0)
        } catch {
            let count = error.problems.count
            let summary = "\(path): configuration invalid (\(count) problem\(count == 1 ? "" : "s"))"
            return Result(output: "", errors: error.description + "\n" + summary, status: ConfigurationError.exitCode)
        }
    }
}
