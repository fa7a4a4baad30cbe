import AWSDynamoDB
import Logging
import Metrics
import ZaeLimiter

/// The Lambda's bucket maintenance duties for one lane, in the Lambda's order (refill, proactive
/// shard doubling, then shard_count propagation). Each reads its `[duties]` switch from the
/// configuration in force on every batch, so a reload turns it on or off at the next batch.
enum BucketDuties {
    static func make(
        client: DynamoDBAPI, tableName: String, state: DaemonState, logger: Logger,
        metricsFactory: MetricsFactory = MetricsSystem.factory
    ) -> [BatchDuty] {
        // One aggregation of the batch's bucket states, shared by the duties of the lane.
        let cache = BucketStateCache()
        return [
            SwitchedDuty(
                BucketRefillDuty(
                    client: client, tableName: tableName, cache: cache, logger: logger, metricsFactory: metricsFactory),
                isEnabled: { state.configuration.duties.refill }),
            SwitchedDuty(
                ProactiveShardDuty(
                    client: client, tableName: tableName, cache: cache, logger: logger, metricsFactory: metricsFactory),
                isEnabled: { state.configuration.duties.proactiveShard }),
            SwitchedDuty(
                ShardCountPropagationDuty(
                    client: client, tableName: tableName, logger: logger, metricsFactory: metricsFactory),
                isEnabled: { state.configuration.duties.propagateShardCount }),
        ]
    }
}
