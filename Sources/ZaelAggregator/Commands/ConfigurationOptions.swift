import ArgumentParser

/// Flags that override configuration keys, shared by `run` and `check-config`.
struct ConfigurationOptions: ParsableArguments {
    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "Override a configuration key (repeatable); wins over the file and ZAEL_* variables.",
            valueName: "SECTION.KEY=VALUE"))
    var settings: [String] = []

    @Option(help: "Override logging.level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    @Option(help: "Override logging.format: auto, journald, text or json.")
    var logFormat: String?

    /// The overrides in the order they apply (later wins), or a usage error for a malformed --set.
    func overrides() throws -> [CommandLineOverride] {
        var result: [CommandLineOverride] = []
        for setting in settings {
            guard let equals = setting.firstIndex(of: "="), equals != setting.startIndex else {
                throw ValidationError("--set expects SECTION.KEY=VALUE, got '\(setting)'")
            }
            let key = String(setting[..<equals])
            result.append(
                CommandLineOverride(
                    key: key, value: String(setting[setting.index(after: equals)...]), flag: "--set \(key)"))
        }
        if let logLevel {
            result.append(CommandLineOverride(key: "logging.level", value: logLevel, flag: "--log-level"))
        }
        if let logFormat {
            result.append(CommandLineOverride(key: "logging.format", value: logFormat, flag: "--log-format"))
        }
        return result
    }
}
