import AWSDynamoDB

/// Records the engine gave up on, with why: what an on-failure destination receives.
public struct FailedRecords: Sendable {
    public enum Reason: String, Sendable {
        /// The processor kept failing after the retries (and bisecting).
        case retriesExhausted
        /// Older than the configured maximum record age.
        case maxRecordAgeExceeded
        /// The processor could not apply the record (malformed input) and handed it over itself.
        case rejectedByProcessor
    }

    public var streamArn: String
    public var shardId: String
    public var lane: Int
    public var reason: Reason
    /// How many times the processor was called with these records (0 when never).
    public var attempts: Int
    /// The last processor error, if any.
    public var lastError: String?
    public var records: [StreamRecord]

    public init(
        streamArn: String, shardId: String, lane: Int, reason: Reason, attempts: Int, lastError: String?,
        records: [StreamRecord]
    ) {
        self.streamArn = streamArn
        self.shardId = shardId
        self.lane = lane
        self.reason = reason
        self.attempts = attempts
        self.lastError = lastError
        self.records = records
    }
}

/// Where failed records go before the checkpoint may pass them (Lambda's OnFailure destination).
///
/// `send` is called from lane and shard queues, concurrently: implementations must be
/// thread-safe. It must return only when the records are durable; a throw makes the engine retry
/// the send (records are never dropped).
public protocol FailureDestination: AnyObject, Sendable {
    func send(_ failure: FailedRecords) throws
    /// Records sent so far by this process.
    var sentRecordCount: Int { get }
}
