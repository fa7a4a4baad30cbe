/// Renders a loaded configuration as TOML an operator can read (and paste back): every key with its
/// effective value and, as a comment, where that value came from. Secrets are masked.
enum EffectiveConfigurationPrinter {
    static func render(_ loaded: LoadedConfiguration) -> String {
        var out = "# Effective configuration for \(loaded.path)\n"
        out += "# Precedence: file < environment ZAEL_<SECTION>_<KEY> < command-line flags.\n"
        var section = ""
        for (key, value) in loaded.configuration.settings {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            if parts[0] != section {
                section = parts[0]
                out += "\n[\(section)]\n"
            }
            let origin = loaded.origins[key] ?? .defaultValue
            if let value {
                out += "\(parts[1]) = \(SecretMasking.mask(value).tomlText)  # \(origin)\n"
            } else {
                out += "# \(parts[1]) is not set: \(unsetMeaning[key] ?? "off")\n"
            }
        }
        return out
    }

    /// What an unset optional key means, for the printout.
    private static let unsetMeaning: [String: String] = [
        "aws.region": "resolved at start-up from AWS_REGION, AWS_DEFAULT_REGION, the profile or IMDS",
        "aws.profile": "AWS_PROFILE, else the default profile",
        "aws.endpoint": "the regional AWS endpoints",
        "aws.streams_endpoint": "aws.endpoint, else the regional endpoint",
        "table.stream_arn": "the table's LatestStreamArn",
    ]
}
