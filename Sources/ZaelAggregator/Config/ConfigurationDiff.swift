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
    /// Keys a SIGHUP reload applies without a restart.
    public static let reloadableKeys: Set<String> = [
        "consumer.batch_size", "consumer.batching_window_seconds", "consumer.parallelization_factor",
        "consumer.max_record_age_seconds", "consumer.max_retry_attempts", "consumer.bisect_on_error",
        "consumer.idle_poll_seconds", "consumer.max_idle_poll_seconds", "logging.level",
    ]

    /// The changed keys from `old` to `new`, in `keys` order, split into reloadable and
    /// restart-required.
    public static func diff(_ old: AggregatorConfiguration, _ new: AggregatorConfiguration) -> ConfigurationDiff {
        let before = Dictionary(uniqueKeysWithValues: old.settings.map { ($0.key, $0.value) })
        var result = ConfigurationDiff(reloadable: [], restartRequired: [])
        for (key, value) in new.settings where before[key] != value {
            if reloadableKeys.contains(key) {
                result.reloadable.append(key)
            } else {
                result.restartRequired.append(key)
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
        result.consumer.batchSize = new.consumer.batchSize
        result.consumer.batchingWindow = new.consumer.batchingWindow
        result.consumer.parallelizationFactor = new.consumer.parallelizationFactor
        result.consumer.maxRecordAge = new.consumer.maxRecordAge
        result.consumer.maxRetryAttempts = new.consumer.maxRetryAttempts
        result.consumer.bisectOnError = new.consumer.bisectOnError
        result.consumer.idlePoll = new.consumer.idlePoll
        result.consumer.maxIdlePoll = new.consumer.maxIdlePoll
        result.logging.level = new.logging.level
        return result
    }
}
