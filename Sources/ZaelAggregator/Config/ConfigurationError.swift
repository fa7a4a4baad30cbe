/// One thing wrong with the configuration: which key, where it was set, and what is allowed.
public struct ConfigurationProblem: Sendable, Equatable, CustomStringConvertible {
    /// The dotted key (`consumer.batch_size`), or the section for problems with a whole section.
    public var key: String
    /// Where the offending value was set (`nil` for a missing required key).
    public var origin: SettingOrigin?
    /// The full one-line message, e.g.
    /// `prod.toml: unknown key consumer.batchsize at line 12 (did you mean batch_size?)`.
    public var description: String

    public init(key: String, origin: SettingOrigin?, description: String) {
        self.key = key
        self.origin = origin
        self.description = description
    }

    /// A problem with the value of `key` set at `origin`; `message` says what is wrong and allowed.
    static func value(_ key: String, at origin: SettingOrigin, _ message: String) -> ConfigurationProblem {
        let text: String
        switch origin {
        case .file(let path, let line): text = "\(path): \(key) at line \(line): \(message)"
        case .environment(let name): text = "environment variable \(name): \(key): \(message)"
        case .commandLine(let flag): text = "command line \(flag): \(key): \(message)"
        case .defaultValue: text = "\(key): \(message)"
        }
        return ConfigurationProblem(key: key, origin: origin, description: text)
    }
}

/// Every problem found while loading the configuration, reported together. The command prints one
/// line per problem on stderr and exits with `exitCode` (EX_CONFIG), which the unit's
/// `RestartPreventExitStatus=78` turns into "failed, do not restart".
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// sysexits.h EX_CONFIG.
    public static let exitCode: Int32 = 78

    public var problems: [ConfigurationProblem]

    public init(problems: [ConfigurationProblem]) {
        self.problems = problems
    }

    /// Configuration problems never go away by retrying.
    public var isRetryable: Bool { false }

    /// A bounded label for metrics.
    public var metricLabel: String { "configuration" }

    /// One line per problem.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
