/// The configuration as flat `section.key = value` settings, in file order: what `check-config`
/// prints and what `diff` compares. All of it follows from `ConfigurationKeys.all`.
extension AggregatorConfiguration {
    /// The configuration sections, in file order.
    public static let sections: [String] = ConfigurationKeys.all.reduce(into: []) { sections, key in
        if !sections.contains(key.section) { sections.append(key.section) }
    }

    /// Every key the file, `ZAEL_*` variables and `--set` accept, in file order.
    public static let keys: [String] = ConfigurationKeys.all.map(\.name)

    /// Each key with its effective value as TOML; `nil` for an optional setting left unset.
    public var settings: [(key: String, value: TOMLValue?)] {
        ConfigurationKeys.all.map { ($0.name, $0.value(self)) }
    }
}
