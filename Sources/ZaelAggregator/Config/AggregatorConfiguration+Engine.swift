import StreamConsumer
import ZaeLimiter

/// The configuration mapped onto the libraries' own settings: the engine's
/// `ConsumerConfiguration` and the aggregator's `UsageAggregationSettings`.
extension AggregatorConfiguration {
    /// The engine's configuration for the stream at `streamArn`.
    func consumerConfiguration(streamArn: String) -> ConsumerConfiguration {
        ConsumerConfiguration(
            streamArn: streamArn, workerId: leases.workerID, failoverTime: leases.failoverTime,
            shardSyncInterval: leases.shardSyncInterval, startingPosition: consumer.startingPosition,
            recordFilter: consumer.filters.recordFilter, tunables: consumer.tunables)
    }

    /// The aggregator's settings for the configured table.
    var aggregationSettings: UsageAggregationSettings {
        UsageAggregationSettings(
            tableName: table.name, windows: aggregation.windows,
            ttlDays: Int(aggregation.snapshotTTL.components.seconds / 86_400), delivery: aggregation.delivery)
    }
}

extension AggregatorConfiguration.ConsumerSection {
    /// The engine's run-time settings (what a reload hands to `ShardScheduler.update(_:)`).
    var tunables: ConsumerTunables {
        ConsumerTunables(
            batchSize: batchSize, batchingWindow: batchingWindow, maxRecordAge: maxRecordAge,
            maxRetryAttempts: maxRetryAttempts ?? -1, bisectOnError: bisectOnError,
            parallelizationFactor: parallelizationFactor, idlePoll: idlePoll, maxIdlePoll: maxIdlePoll)
    }
}
