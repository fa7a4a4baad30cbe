import AWSCore
import AWSDynamoDB
import Logging
import Metrics

/// Proactive shard doubling (the Lambda's `try_proactive_shard`): for shard 0 of every bucket
/// with a `wcu` limit whose balance, projected to the batch's `now`, is under 20 % of capacity,
/// `SET shard_count = min(2 × old, 32)` if it is still the count read. The doubling's own MODIFY
/// comes back through the stream, where the propagation duty spreads it.
public final class ProactiveShardDuty: BatchDuty {
    /// The duty's name in logs, metric labels and the status socket.
    public static let dutyName = "proactive_shard"
    public let name = dutyName
    private let writer: MaintenanceWriter
    private let cache: BucketStateCache
    private let logger: Logger

    /// - Parameters:
    ///   - cache: shared with the lane's other bucket duties.
    public init(
        client: DynamoDBAPI, tableName: String, cache: BucketStateCache, logger: Logger,
        metricsFactory: MetricsFactory = MetricsSystem.factory
    ) {
        self.writer = MaintenanceWriter(
            client: client, tableName: tableName, duty: Self.dutyName, metricsFactory: metricsFactory)
        self.cache = cache
        self.logger = logger
    }

    public func perform(_ batch: DutyBatch) throws {
        let (aggregated, fresh) = cache.states(of: batch)
        if fresh { for _ in aggregated.malformed { writer.metrics.skipped("malformed_record") } }
        let now = Int128(batch.nowMilliseconds)
        for state in aggregated.states {
            guard case .success(let doubling) = ProactiveShardPlanner.plan(state, now: now) else { continue }
            guard try writer.send(doubling.request) else { continue }
            logger.notice(
                "proactive shard doubling",
                metadata: [
                    "entity": "\(state.key.entity)", "resource": "\(state.key.resource)",
                    "old_count": "\(doubling.oldCount)", "new_count": "\(doubling.newCount)",
                    "wcu_ratio": "\((doubling.ratio * 100).rounded() / 100)",
                ])
        }
    }
}
