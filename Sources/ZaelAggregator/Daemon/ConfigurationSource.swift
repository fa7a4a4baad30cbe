/// Where the running daemon's configuration comes from, kept so SIGHUP can load it again with the
/// same file, environment, flags and host context (the default worker ID stays the same).
struct ConfigurationSource: Sendable {
    var path: String
    var loader: ConfigurationLoader
    var context: ConfigurationContext
    var overrides: [CommandLineOverride]

    /// Loads and validates the configuration again.
    func load() throws(ConfigurationError) -> LoadedConfiguration {
        try loader.load(path: path, context: context, overrides: overrides)
    }
}
