import AWSCore
import AWSDynamoDB
import Foundation
import Logging
import Metrics
import StreamConsumer

/// zae-limiter's usage aggregation as a `RecordProcessor`: bucket stream records in, coalesced
/// snapshot writes out, exactly once by default.
///
/// One instance per lane, used on the lane's thread only, with its own `DynamoDBAPI` client.
/// Per batch it parses every record (`BucketRecordParser`), reports rejected records to the
/// `RecordRejectionHandler` *before* any checkpoint can pass them, folds the deltas into one
/// update per snapshot item, and then either
/// - exactly-once: commits each chunk of ≤ 99 items in one TransactWriteItems whose last action
///   is the lane's fenced checkpoint (`Checkpointer.fencedCheckpoint(to:)`), or
/// - at-least-once: sends one UpdateItem per item, then `Checkpointer.checkpoint(to:)`.
/// A fenced checkpoint that fails its condition means the lease is gone: `LeaseLostError`.
/// Any other failure is thrown to the engine's retry / bisect rules; chunks already committed
/// stay committed and are not delivered again.
public final class UsageAggregator: RecordProcessor {
    let client: DynamoDBAPI
    let settings: UsageAggregationSettings
    private let rejectionHandler: RecordRejectionHandler?
    /// Run on every batch before its first checkpoint (see `BatchDuty`).
    private let duties: [BatchDuty]
    private let epochMilliseconds: () -> Int64
    private let parser = BucketRecordParser()
    var logger: Logger
    private let epochSeconds: () -> Int64
    let sleep: (Duration) -> Void
    let metrics: AggregatorMetrics
    /// Running totals; read on the lane's thread.
    public private(set) var statistics = UsageAggregatorStatistics()

    /// - Parameters:
    ///   - duties: the Lambda's other jobs, in the Lambda's order; run before each batch commits.
    ///   - epochSeconds: the clock for snapshot `ttl` (default: the system clock, truncated).
    ///   - epochMilliseconds: the duties' one `now` per batch (default: the system clock).
    ///   - sleep: blocks the lane between conflict retries (tests pass a recorder).
    public init(
        client: DynamoDBAPI, settings: UsageAggregationSettings, rejectionHandler: RecordRejectionHandler?,
        duties: [BatchDuty] = [], logger: Logger, metricsFactory: MetricsFactory = MetricsSystem.factory,
        epochSeconds: @escaping () -> Int64 = { Int64(Date().timeIntervalSince1970) },
        epochMilliseconds: @escaping () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) },
        sleep: @escaping (Duration) -> Void = { duration in
            let (seconds, attoseconds) = duration.components
            Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
        }
    ) {
        self.client = client
        self.settings = settings
        self.rejectionHandler = rejectionHandler
        self.duties = duties
        self.epochMilliseconds = epochMilliseconds
        self.logger = logger
        self.epochSeconds = epochSeconds
        self.sleep = sleep
        self.metrics = AggregatorMetrics(factory: metricsFactory)
    }

    public func initialize(_ input: InitializationInput) throws {
        logger[metadataKey: "shard.id"] = "\(input.shardId)"
        logger[metadataKey: "lane"] = "\(input.lane)"
    }

    public func process(_ batch: RecordBatch, checkpointer: Checkpointer) throws {
        var entries: [ChunkPlanner.Entry] = []
        var rejections: [RecordRejection] = []
        // The batch position of each entry's record, for the rare overflow report.
        var recordIndexOf: [Int] = []
        // Records are read in place (`for record in` or a subscript would copy each one: a
        // retain and a release per field).
        batch.records.withUnsafeBufferPointer { records in
            for recordIndex in records.indices {
                switch parser.parse(records[recordIndex]) {
                case .ignored:
                    statistics.ignoredRecords += 1
                case .rejected(let reason):
                    rejections.append(
                        RecordRejection(shardId: batch.shardId, record: records[recordIndex], reason: reason))
                case .parsed(let deltas, let rejectedLimits):
                    for reason in rejectedLimits {
                        rejections.append(
                            RecordRejection(shardId: batch.shardId, record: records[recordIndex], reason: reason))
                    }
                    guard !deltas.isEmpty else { continue }
                    recordIndexOf.append(recordIndex)
                    entries.append(
                        ChunkPlanner.Entry(sequenceNumber: records[recordIndex].sequenceNumber, deltas: deltas))
                    statistics.deltas += deltas.count
                }
            }
        }
        statistics.records += batch.records.count

        let maxItems = settings.delivery == .exactlyOnce ? settings.maxTransactionActions - 1 : Int.max
        let planner = ChunkPlanner(windows: settings.windows, maxItems: maxItems)
        let (chunks, overflowed) = planner.plan(entries, batchEnd: batch.batchEnd)
        for (entry, delta) in overflowed {
            let attribute = ZaeLimiterSchema.bucketAttribute(delta.limitName, ZaeLimiterSchema.fieldTotalConsumed)
            rejections.append(
                RecordRejection(
                    shardId: batch.shardId, record: batch.records[recordIndexOf[entry]],
                    reason: .numberOutOfRange(attribute: attribute)))
        }
        try report(rejections)
        try performDuties(batch)

        let ttl = epochSeconds() + Int64(settings.ttlDays) * 86_400
        var builder = UpdateItemBuilder(tableName: settings.tableName, ttlEpochSeconds: ttl)
        switch settings.delivery {
        case .exactlyOnce:
            for chunk in chunks {
                for duty in duties { try duty.willCheckpoint(through: chunk.checkpoint) }
                try commit(chunk, batch: batch, builder: &builder, checkpointer: checkpointer)
            }
        case .atLeastOnce:
            for update in chunks.flatMap(\.updates) {
                let output = try client.updateItem(builder.input(for: update))
                statistics.snapshotWrites += 1
                statistics.writeRequests += 1
                statistics.consumedCapacity += output.consumedCapacity ?? 0
                metrics.snapshotWrites.increment()
                metrics.writeRequests.increment()
                metrics.consumed(output.consumedCapacity)
            }
            for duty in duties { try duty.willCheckpoint(through: batch.batchEnd) }
            try checkpointAlone(to: batch.batchEnd, checkpointer: checkpointer)
        }
        logger.debug(
            "batch aggregated",
            metadata: [
                "records": "\(batch.records.count)", "items": "\(chunks.reduce(0) { $0 + $1.updates.count })",
                "chunks": "\(chunks.count)",
            ])
    }

    public func leaseLost(_ input: LeaseLostInput) {}

    /// Nothing is pending between batches: every batch is written before `process` returns.
    public func shardEnded(_ input: ShardEndedInput) throws {}

    public func shutdownRequested(_ input: ShutdownRequestedInput) throws {}

    /// The duties see the whole lane batch (they select their own records) with one `now`.
    private func performDuties(_ batch: RecordBatch) throws {
        guard !duties.isEmpty else { return }
        let input = DutyBatch(
            records: batch.records, shardId: batch.shardId, lane: batch.lane, attempt: batch.attempt,
            nowMilliseconds: epochMilliseconds())
        for duty in duties { try duty.perform(input) }
    }

    private func report(_ rejections: [RecordRejection]) throws {
        for rejection in rejections {
            statistics.rejectedRecords += 1
            metrics.rejected(rejection.reason)
            logger.warning(
                "stream record rejected",
                metadata: [
                    "reason": "\(rejection.reason)", "record.sequence": "\(rejection.record.sequenceNumber)",
                ])
            try rejectionHandler?.recordRejected(rejection)
        }
    }

    func recordTransaction(items: Int, capacity: Double?) {
        statistics.transactions += 1
        statistics.writeRequests += 1
        statistics.snapshotWrites += items
        statistics.consumedCapacity += capacity ?? 0
        metrics.transactions.increment()
        metrics.writeRequests.increment()
        metrics.snapshotWrites.increment(by: items)
        metrics.consumed(capacity)
    }

    func recordConflict() {
        statistics.transactionConflicts += 1
        metrics.transactionConflicts.increment()
    }

    func checkpointAloneForChunk(to sequenceNumber: SequenceNumber, checkpointer: Checkpointer) throws {
        try checkpointAlone(to: sequenceNumber, checkpointer: checkpointer)
    }

    private func checkpointAlone(to sequenceNumber: SequenceNumber, checkpointer: Checkpointer) throws {
        if let last = checkpointer.lastCheckpoint, last >= sequenceNumber { return }
        try checkpointer.checkpoint(to: sequenceNumber)
        statistics.writeRequests += 1
        metrics.writeRequests.increment()
    }
}
