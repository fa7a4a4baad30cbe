/// One configuration key, declared once: its dotted name, default, format (type and range),
/// whether a SIGHUP reload applies it, the property it lands in, and a one-line help.
///
/// Parsing, `check-config` output, the reload diff, the example file's defaults and the
/// operations page's key table are all derived from the declarations in `ConfigurationKeys`:
///
/// ```swift
/// static let batchSize = Key(
///     "consumer.batch_size", default: 100, .integer(1...10_000), reloadable: true,
///     into: \.consumer.batchSize, help: "Most records per processor batch.")
/// ```
public struct ConfigurationKey<Value: Sendable & Equatable>: Sendable {
    /// `section.key`, as in the file; `ZAEL_SECTION_KEY` and `--set section.key=…` follow from it.
    public let name: String
    /// The default; for a key whose default depends on the host, the value before that is applied.
    public let defaultValue: Value
    /// The default computed from the host and the table name (worker ID, spool path, …), if any.
    let hostDefault: (@Sendable (ConfigurationContext, _ tableName: String) -> Value)?
    /// The default as the operations page shows it.
    public let defaultDescription: String
    /// Type and range: how the value is read and printed.
    public let format: ValueFormat<Value>
    /// Whether a SIGHUP reload applies a change without a restart.
    public let reloadable: Bool
    /// Where the value lands in `AggregatorConfiguration`.
    public let path: WritableKeyPath<AggregatorConfiguration, Value> & Sendable
    /// One line for operators.
    public let help: String

    /// A key with a fixed default; `described` replaces the default's description on the
    /// operations page (for a required key, say).
    public init(
        _ name: String, default value: Value, described: String? = nil, _ format: ValueFormat<Value>,
        reloadable: Bool = false, into path: WritableKeyPath<AggregatorConfiguration, Value> & Sendable, help: String
    ) {
        self.name = name
        defaultValue = value
        hostDefault = nil
        defaultDescription = described ?? format.render(value).map { "`\($0.tomlText)`" } ?? "unset"
        self.format = format
        self.reloadable = reloadable
        self.path = path
        self.help = help
    }

    /// A key whose default is computed from the host and the table name; `described` says how,
    /// for the operations page.
    public init(
        _ name: String, default compute: @escaping @Sendable (ConfigurationContext, _ tableName: String) -> Value,
        described: String, _ format: ValueFormat<Value>, reloadable: Bool = false,
        into path: WritableKeyPath<AggregatorConfiguration, Value> & Sendable, help: String
    ) where Value == String {
        self.name = name
        defaultValue = ""
        hostDefault = compute
        defaultDescription = described
        self.format = format
        self.reloadable = reloadable
        self.path = path
        self.help = help
    }
}

/// A `ConfigurationKey` with its value type erased, so every key fits in one list.
public struct AnyConfigurationKey: Sendable {
    /// `section.key`.
    public let name: String
    /// The section, `consumer` for `consumer.batch_size`.
    public var section: String { String(name.prefix { $0 != "." }) }
    /// The name within the section, `batch_size` for `consumer.batch_size`.
    public var shortName: String { String(name.dropFirst(section.count + 1)) }
    public let reloadable: Bool
    public let help: String
    /// The default as the operations page shows it.
    public let defaultDescription: String
    /// What is allowed, as the operations page shows it.
    public let allowed: String
    /// What an unset optional key means; `nil` for other keys.
    public let unsetMeaning: String?

    /// Reads the key from the resolver into the configuration (kept as is when unset or invalid).
    let read: @Sendable (inout SettingsResolver, inout AggregatorConfiguration) -> Void
    /// The key's effective value as TOML; `nil` for an optional key left unset.
    let value: @Sendable (AggregatorConfiguration) -> TOMLValue?
    /// Copies the key's value from the first configuration into the second.
    let copy: @Sendable (AggregatorConfiguration, inout AggregatorConfiguration) -> Void
    /// Puts the key's default into the configuration.
    let applyDefault: @Sendable (inout AggregatorConfiguration, ConfigurationContext, String) -> Void

    public init<Value>(_ key: ConfigurationKey<Value>) {
        name = key.name
        reloadable = key.reloadable
        help = key.help
        defaultDescription = key.defaultDescription
        allowed = key.format.allowed
        unsetMeaning = key.format.unsetMeaning
        let path = key.path
        let format = key.format
        read = { r, c in
            if let v = format.read(&r, key.name) { c[keyPath: path] = v }
        }
        value = { format.render($0[keyPath: path]) }
        copy = { from, to in to[keyPath: path] = from[keyPath: path] }
        let fixed = key.defaultValue
        let host = key.hostDefault
        applyDefault = { c, context, table in c[keyPath: path] = host?(context, table) ?? fixed }
    }
}
