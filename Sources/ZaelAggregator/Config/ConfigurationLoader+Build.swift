extension ConfigurationLoader {
    /// Builds the configuration from the resolver: every declared key is read once (marking it
    /// known); bad values are recorded as problems and leave the default in place; then the checks
    /// that span keys or defaults run.
    static func build(
        _ r: inout SettingsResolver, context: ConfigurationContext, path: String
    ) -> AggregatorConfiguration {
        if r.values[ConfigurationKeys.tableName.name] == nil {
            r.report(
                ConfigurationProblem(
                    key: "table.name", origin: nil,
                    description:
                        "\(path): missing required key table.name (set name = \"…\" under [table], or ZAEL_TABLE_NAME)")
            )
        }
        // The table name first: the lease table's default is derived from it.
        var probe = AggregatorConfiguration(tableName: "", context: context)
        AnyConfigurationKey(ConfigurationKeys.tableName).read(&r, &probe)
        var c = AggregatorConfiguration(tableName: probe.table.name, context: context)
        for key in ConfigurationKeys.all where key.name != ConfigurationKeys.tableName.name { key.read(&r, &c) }

        // The default socket path comes from the host, so it is checked whatever its origin.
        if let problem = ConfigurationChecks.socketPath(c.status.socket) {
            r.report(.value("status.socket", at: r.origin(of: "status.socket"), problem))
        }
        return c
    }
}
