/// A snapshot of the consumer for the status socket and logs.
public struct ConsumerStatus: Sendable {
    /// One shard this worker knows a lease for.
    public struct ShardStatus: Sendable, Equatable {
        public var shardId: String
        /// The lease owner as last listed (nil: nobody).
        public var owner: String?
        /// The local consumer's state (`waitingForParents`, `processing`, …) or `notOwned`.
        public var state: String
        /// The lowest lane checkpoint (or the lease's checkpoint when not ours).
        public var checkpoint: String?
        /// Now minus the last fetched record's ApproximateCreationDateTime; zero when caught up.
        public var iteratorAge: Duration?
        public var recordsPerSecond: Double
        public var retries: Int
        public var lastError: String?
        /// How long ago `lastError` happened.
        public var lastErrorAge: Duration?
        /// Why the shard is not moving although its records are fine (throttled, or halted by an
        /// environmental error); nil while it is not held up. The state then says `throttled` or
        /// `halted`.
        public var condition: LaneCondition?

        public init(
            shardId: String, owner: String?, state: String, checkpoint: String?, iteratorAge: Duration?,
            recordsPerSecond: Double = 0, retries: Int = 0, lastError: String? = nil, lastErrorAge: Duration? = nil,
            condition: LaneCondition? = nil
        ) {
            self.shardId = shardId
            self.owner = owner
            self.state = state
            self.checkpoint = checkpoint
            self.iteratorAge = iteratorAge
            self.recordsPerSecond = recordsPerSecond
            self.retries = retries
            self.lastError = lastError
            self.lastErrorAge = lastErrorAge
            self.condition = condition
        }
    }

    public var workerId: String
    public var streamArn: String
    public var shards: [ShardStatus]
    public var leasesOwned: Int
    public var recordsProcessed: Int
    public var retries: Int
    public var bisects: Int
    public var spooledRecords: Int
    /// Whether the scheduler is running (false before start and after shutdown).
    public var running: Bool
    /// Held leases not renewed within the failover time: kept, their shards paused until a
    /// renewal succeeds (state `leaseUnconfirmed`).
    public var leasesUnconfirmed = 0
}
