import AWSCore
import AWSDynamoDB
import Logging
import Metrics

/// Proactive refill (the Lambda's `try_refill_bucket`): at most one conditional UpdateItem per
/// bucket item per batch, in the order the buckets first appear.
///
/// A lost condition is someone else's refill: counted and skipped. Any other error is thrown, so
/// the engine delivers the batch again (the writes are conditional on `rf`, so a replay of the
/// ones that landed fails its condition and changes nothing).
public final class BucketRefillDuty: BatchDuty {
    /// The duty's name in logs, metric labels and the status socket.
    public static let dutyName = "refill"
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
        if fresh {
            for attribute in aggregated.malformed {
                writer.metrics.skipped("malformed_record")
                logger.warning(
                    "bucket record skipped: attribute is not an integer", metadata: ["attribute": "\(attribute)"])
            }
        }
        let now = Int128(batch.nowMilliseconds)
        for state in aggregated.states {
            switch RefillPlanner.plan(state, now: now) {
            case .failure(.sufficientTokens):
                continue
            case .failure(let skip):
                writer.metrics.skipped(skip.rawValue)
                if skip != .windowEnded {
                    logger.warning(
                        "refill skipped",
                        metadata: metadata(
                            state, ["reason": "\(skip.rawValue)", "detail": "\(state.scheduleError ?? "")"]))
                }
            case .success(let request):
                _ = try writer.send(request)
            }
        }
    }

    private func metadata(_ state: BucketState, _ extra: Logger.Metadata) -> Logger.Metadata {
        var result: Logger.Metadata = [
            "entity": "\(state.key.entity)", "resource": "\(state.key.resource)", "shard": "\(state.key.shard)",
        ]
        result.merge(extra) { _, new in new }
        return result
    }
}
