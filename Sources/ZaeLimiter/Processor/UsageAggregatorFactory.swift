import AWSDynamoDB
import Logging
import Metrics
import StreamConsumer

/// Builds one `UsageAggregator` per lane, each with its own DynamoDB client (clients are used
/// by one thread at a time). Called by the scheduler when a lease is taken.
public struct UsageAggregatorFactory: RecordProcessorFactory {
    private let settings: UsageAggregationSettings
    private let makeClient: @Sendable (_ shardId: String, _ lane: Int) -> DynamoDBAPI
    private let makeRejectionHandler: @Sendable (_ shardId: String, _ lane: Int) -> RecordRejectionHandler?
    private let makeDuties: @Sendable (_ shardId: String, _ lane: Int) -> [BatchDuty]
    private let logger: Logger
    private let metricsFactory: MetricsFactory

    /// - Parameters:
    ///   - makeClient: a new client for one lane (e.g. a `DynamoDBClient` on its own transport).
    ///   - makeRejectionHandler: where rejected records go (e.g. the engine's failure spool).
    ///   - makeDuties: the lane's `BatchDuty` instances, in the Lambda's order (none by default).
    public init(
        settings: UsageAggregationSettings, logger: Logger, metricsFactory: MetricsFactory = MetricsSystem.factory,
        makeClient: @escaping @Sendable (_ shardId: String, _ lane: Int) -> DynamoDBAPI,
        makeRejectionHandler: @escaping @Sendable (_ shardId: String, _ lane: Int) -> RecordRejectionHandler?,
        makeDuties: @escaping @Sendable (_ shardId: String, _ lane: Int) -> [BatchDuty] = { _, _ in [] }
    ) {
        self.settings = settings
        self.logger = logger
        self.metricsFactory = metricsFactory
        self.makeClient = makeClient
        self.makeRejectionHandler = makeRejectionHandler
        self.makeDuties = makeDuties
    }

    public func makeProcessor(shardId: String, lane: Int, laneCount: Int) -> RecordProcessor {
        UsageAggregator(
            client: makeClient(shardId, lane), settings: settings,
            rejectionHandler: makeRejectionHandler(shardId, lane), duties: makeDuties(shardId, lane),
            logger: logger, metricsFactory: metricsFactory)
    }
}
