/// Renders a loaded configuration as TOML an operator can read (and paste back): every key with its
/// effective value and, as a comment, where that value came from. Secrets are masked.
enum EffectiveConfigurationPrinter {
    static func render(_ loaded: LoadedConfiguration) -> String {
        var out = "# Effective configuration for \(loaded.path)\n"
        out += "# Precedence: file < environment ZAEL_<SECTION>_<KEY> < command-line flags.\n"
        var section = ""
        for key in ConfigurationKeys.all {
            if key.section != section {
                section = key.section
                out += "\n[\(section)]\n"
            }
            let origin = loaded.origins[key.name] ?? .defaultValue
            if let value = key.value(loaded.configuration) {
                out += "\(key.shortName) = \(SecretMasking.mask(key: key.name, value).tomlText)  # \(origin)\n"
            } else {
                out += "# \(key.shortName) is not set: \(key.unsetMeaning ?? "off")\n"
            }
        }
        return out
    }
}
