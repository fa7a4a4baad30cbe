import AWSCore
import AWSDynamoDB
import Logging

/// Shard iterators and GetRecords calls for one shard; used on the shard's queue only.
///
/// Stream faults become outcomes: an expired iterator is renewed after the last processed
/// record, trimmed data restarts at TRIM_HORIZON (loudly), a vanished shard is a shard end.
/// Throttling and transient errors come back as `.failed` for the caller to back off.
final class RecordFetcher {
    enum Outcome {
        /// A page (possibly empty; records the key filter rejected are its `skipped` entries);
        /// `atShardEnd` when the shard is closed and fully read.
        case page(GetRecordsOutput, atShardEnd: Bool)
        /// The iterator had to be replaced: records fetched but not processed must be dropped,
        /// they will be fetched again.
        case restarted(String)
        /// Nothing more to read in this shard.
        case shardEnd
        /// The call failed; back off and call again.
        case failed(AWSError)
    }

    private let client: DynamoDBStreamsAPI
    private let streamArn: String
    let shardId: String
    private let metrics: ConsumerMetrics
    private let logger: Logger
    private let clock: ConsumerClock
    /// Lets the decoder skip the images of records the engine's filter leaves out.
    private let keyFilter: RecordKeyFilter?
    private var iterator: String?
    /// Where the next iterator starts: after the last fetched record once there is one.
    private var position: ShardIteratorPosition
    private let startPosition: ShardIteratorPosition
    /// LATEST was resolved once (a second time can skip records).
    private var resolvedLatest = false

    init(
        client: DynamoDBStreamsAPI, streamArn: String, shardId: String, start: ShardIteratorPosition,
        metrics: ConsumerMetrics, clock: ConsumerClock, logger: Logger, keyFilter: RecordKeyFilter? = nil
    ) {
        self.keyFilter = keyFilter
        self.client = client
        self.streamArn = streamArn
        self.shardId = shardId
        self.position = start
        self.startPosition = start
        self.metrics = metrics
        self.clock = clock
        self.logger = logger
    }

    /// Fetches the next page. `resumeAfter` is the last processed sequence number, where a
    /// replacement iterator starts (nil: where this fetcher started).
    func fetch(limit: Int, resumeAfter: SequenceNumber?) -> Outcome {
        do {
            if iterator == nil {
                if case .latest = position, resolvedLatest {
                    // Only an expired or rejected iterator gets here before the first record:
                    // records written since the first LATEST are not read.
                    logger.warning("shard iterator lost before the first record; resolving LATEST again")
                }
                if case .latest = position { resolvedLatest = true }
                iterator = try client.getShardIterator(
                    GetShardIteratorInput(streamArn: streamArn, shardId: shardId, position: position))
            }
            let started = clock.now()
            let output = try client.getRecords(
                GetRecordsInput(shardIterator: iterator!, limit: min(max(limit, 1), 1000), keyFilter: keyFilter))
            metrics.getRecordsLatency.recordNanoseconds(Int64((clock.now() - started).seconds * 1e9))
            iterator = output.nextShardIterator
            if let last = output.lastSequenceNumber { position = .afterSequenceNumber(last) }
            return .page(output, atShardEnd: output.nextShardIterator == nil)
        } catch let error as AWSError {
            // A shard iterator stays valid for 15 minutes and may be used again, so weather
            // (throttling, 5xx, timeouts, a credential refresh) keeps it: a shard that started at
            // LATEST must not resolve LATEST again and skip what arrived in between.
            if !error.keepsIterator { iterator = nil }
            switch error.code {
            case "ExpiredIteratorException":
                metrics.error(error.code)
                logger.info("shard iterator expired; renewing after the last processed record")
                position = resumeAfter.map { .afterSequenceNumber($0) } ?? startPosition
                return .restarted(error.code)
            case "TrimmedDataAccessException":
                metrics.error(error.code)
                metrics.trimmedData.increment()
                logger.error(
                    "stream data was trimmed before it was processed: records are lost; continuing at TRIM_HORIZON",
                    metadata: ["error": "\(error)"])
                position = .trimHorizon
                return .restarted(error.code)
            case "ResourceNotFoundException":
                metrics.error(error.code)
                logger.warning("shard not found; treating it as ended", metadata: ["error": "\(error)"])
                return .shardEnd
            default:
                if error.kind == .throttling || error.code == "LimitExceededException" {
                    metrics.throttled(api: error.operation.isEmpty ? "GetRecords" : error.operation)
                }
                metrics.error(error.code == "LimitExceededException" ? "throttling" : error.metricLabel)
                return .failed(error)
            }
        } catch {
            metrics.error("transient")
            return .failed(AWSError(kind: .transient, code: "Unknown", message: "\(error)", operation: "GetRecords"))
        }
    }
}

extension AWSError {
    /// Whether the shard iterator that got this error can be used again: yes for weather
    /// (throttling, 5xx, timeouts, expired credentials), no when the iterator itself was refused.
    var keepsIterator: Bool {
        switch kind {
        case .throttling, .transient, .credentials, .cancelled: true
        case .conditional, .fatal: false
        }
    }
}
