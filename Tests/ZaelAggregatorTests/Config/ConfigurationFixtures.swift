@testable import ZaelAggregator

/// A fixed host context, so defaults are predictable.
let testContext = ConfigurationContext(
    instance: "prod", hostname: "host-a", workerSuffix: "abc123", stateDirectory: nil, runtimeDirectory: nil)

/// Loads `text` as `prod.toml` with the given environment and flags.
func load(
    _ text: String, environment: [String: String] = [:], overrides: [CommandLineOverride] = [],
    context: ConfigurationContext = testContext
) throws(ConfigurationError) -> LoadedConfiguration {
    try ConfigurationLoader(environment: environment).load(
        text: text, path: "prod.toml", context: context, overrides: overrides)
}

/// The problems loading `text` reports (empty when it loads).
func problems(
    _ text: String, environment: [String: String] = [:], overrides: [CommandLineOverride] = []
) -> [String] {
    do {
        _ = try load(text, environment: environment, overrides: overrides)
        return []
    } catch {
        return error.problems.map(\.description)
    }
}

let minimal = "[table]\nname = \"rate-limits\"\n"
