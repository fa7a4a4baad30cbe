/// The keys whose effective values differ between two configurations, split by whether the
/// running daemon can apply them on SIGHUP.
public struct ConfigurationDiff: Sendable, Equatable {
    /// Changed keys the daemon applies live.
    public var reloadable: [String]
    /// Changed keys that only take effect after a restart (the daemon keeps the old value and logs
    /// them).
    public var restartRequired: [String]

    /// True when nothing changed.
    public var isEmpty: Bool { reloadable.isEmpty && restartRequired.isEmpty }
}

extension AggregatorConfiguration {
    /// Keys a SIGHUP reload applies without a restart (declared `reloadable` in `ConfigurationKeys`).
    public static let reloadableKeys: Set<String> = Set(ConfigurationKeys.all.filter(\.reloadable).map(\.name))

    /// The changed keys from `old` to `new`, in `keys` order, split into reloadable and
    /// restart-required.
    public static func diff(_ old: AggregatorConfiguration, _ new: AggregatorConfiguration) -> ConfigurationDiff {
        var result = ConfigurationDiff(reloadable: [], restartRequired: [])
        for key in ConfigurationKeys.all where key.value(old) != key.value(new) {
            if key.reloadable {
                result.reloadable.append(key.name)
            } else {
                result.restartRequired.append(key.name)
            }
        }
        return result
    }
}

extension AggregatorConfiguration {
    /// This configuration with the reloadable settings taken from `new` and everything else kept:
    /// what a SIGHUP reload puts in force (the rest waits for a restart, see `diff`).
    public func applyingReloadable(from new: AggregatorConfiguration) -> AggregatorConfiguration {
        var result = self
        for key in ConfigurationKeys.all where key.reloadable { key.copy(new, &result) }
        return result
    }
}
