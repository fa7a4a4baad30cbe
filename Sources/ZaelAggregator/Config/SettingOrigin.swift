/// Where a configuration value came from; every problem and every line of `check-config` names it.
public enum SettingOrigin: Sendable, Equatable, CustomStringConvertible {
    /// Not set anywhere: the built-in default.
    case defaultValue
    /// The config file, at a 1-based line.
    case file(path: String, line: Int)
    /// An environment variable such as `ZAEL_CONSUMER_BATCH_SIZE`.
    case environment(String)
    /// A command-line flag such as `--log-level`.
    case commandLine(String)

    public var description: String {
        switch self {
        case .defaultValue: return "default"
        case .file(let path, let line): return "\(path) line \(line)"
        case .environment(let name): return "environment \(name)"
        case .commandLine(let flag): return "command line \(flag)"
        }
    }
}
