import AWSDynamoDB
import Foundation

/// Where a shard with no checkpoint starts when it has no leased parent.
public enum StartingPosition: String, Sendable, Equatable, CaseIterable {
    case latest = "LATEST"
    case trimHorizon = "TRIM_HORIZON"
}

/// The consumer's settings: values only (clients and factories go to initializers).
///
/// `tunables` may change while the consumer runs (`ShardScheduler.update(_:)`); the other fields
/// are fixed for the life of a scheduler.
public struct ConsumerConfiguration: Sendable {
    /// ARN of the DynamoDB stream to consume.
    public var streamArn: String
    /// This worker's id in the lease table (default: hostname plus a random suffix, built by the daemon).
    public var workerId: String
    /// A lease whose counter did not change for this long is expired. Default 10 s.
    public var failoverTime: Duration
    /// Threads that renew leases (each with its own lease store), apart from the lease loop.
    /// Default 8: a renewal call is tens of milliseconds, and a slow lease table stalls at most
    /// this many renewals at once.
    public var leaseRenewers: Int
    /// How often the shard list is refreshed (also at every shard end). Default 60 s.
    public var shardSyncInterval: Duration
    /// Shard position for root shards that have no checkpoint. Default `.latest`.
    public var startingPosition: StartingPosition
    /// Which records reach the processors; the rest only move the checkpoint. Default: all.
    public var recordFilter: RecordFilter
    /// Settings that can change at run time.
    public var tunables: ConsumerTunables
    /// How long lanes without records may keep an older checkpoint before the engine advances it
    /// on its own (one small write per lane). Default 10 s.
    public var idleLaneCheckpointInterval: Duration
    /// Where idle pauses and lease renewal rounds snap to, so that they wake the process
    /// together (`WakeGrid`). Default `.standard`; nil: each waits its own exact time.
    public var wakeGrid: WakeGrid? = .standard
    /// Keep held leases alive with one heartbeat item per worker, renewing a lease by its own call
    /// only when its checkpoint changed or it lapsed (docs/leases.md). Default true; false renews
    /// every lease every failover/3, as KCL does.
    public var workerHeartbeat = true

    public init(
        streamArn: String, workerId: String, failoverTime: Duration = .seconds(10),
        shardSyncInterval: Duration = .seconds(60), startingPosition: StartingPosition = .latest,
        recordFilter: RecordFilter = .all, tunables: ConsumerTunables = .init(),
        idleLaneCheckpointInterval: Duration = .seconds(10), leaseRenewers: Int = 8
    ) {
        self.leaseRenewers = leaseRenewers
        self.streamArn = streamArn
        self.workerId = workerId
        self.failoverTime = failoverTime
        self.shardSyncInterval = shardSyncInterval
        self.startingPosition = startingPosition
        self.recordFilter = recordFilter
        self.tunables = tunables
        self.idleLaneCheckpointInterval = idleLaneCheckpointInterval
    }

    /// A worker id for this process: the host name plus a random suffix, so that two processes
    /// on one host never share leases.
    public static func defaultWorkerId() -> String {
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(ProcessInfo.processInfo.hostName)-\(suffix)"
    }

    /// Every problem found, empty when the configuration is usable.
    public func problems() -> [String] {
        var problems = tunables.problems()
        if streamArn.isEmpty { problems.append("streamArn is empty") }
        if workerId.isEmpty { problems.append("workerId is empty") }
        if failoverTime < .milliseconds(30) { problems.append("failoverTime must be at least 30 ms") }
        if shardSyncInterval <= .zero { problems.append("shardSyncInterval must be positive") }
        if !(1...64).contains(leaseRenewers) { problems.append("leaseRenewers must be 1...64") }
        return problems
    }
}

/// The settings that take effect at the next batch when changed with `ShardScheduler.update(_:)`.
public struct ConsumerTunables: Sendable, Equatable {
    /// Records per processor call, 1…10000. Default 100.
    public var batchSize: Int
    /// How long records may gather before a smaller batch is delivered. Default 5 s.
    public var batchingWindow: Duration
    /// Records older than this (by ApproximateCreationDateTime) go to the failure destination
    /// instead of the processor; nil keeps every record (Lambda's -1). Default 3600 s (the
    /// daemon's `consumer.max_record_age_seconds` default).
    public var maxRecordAge: Duration?
    /// Retries of a failing batch before bisecting or spooling; -1 retries forever. Default 3.
    public var maxRetryAttempts: Int
    /// Halve a failing lane slice until the failing record is isolated. Default true.
    public var bisectOnError: Bool
    /// Lanes per shard (records of one key always share a lane), 1…10. Default 1.
    public var parallelizationFactor: Int
    /// Pause after an empty GetRecords page while the shard is caught up and nothing is pending;
    /// it grows with the time the shard has been empty, up to `maxIdlePoll` (`IdlePacing`).
    /// Default 1 s.
    public var idlePoll: Duration
    /// Ceiling of the idle pause (never below `idlePoll`, never beyond `batchingWindow`): the
    /// longest a quiet shard's first new record waits to be fetched. Default 2 s.
    public var maxIdlePoll: Duration
    /// First retry delay; doubles per attempt, full jitter, capped at `maxRetryBackoff`. Default 100 ms.
    public var retryBackoff: Duration
    /// Cap of the retry delay. Default 10 s.
    public var maxRetryBackoff: Duration
    /// Cap of the retry delay of a halted lane (an environmental error such as AccessDenied); its
    /// retries start at `maxRetryBackoff` and double up to this. Default 60 s.
    public var haltedRetryBackoff: Duration

    public init(
        batchSize: Int = 100, batchingWindow: Duration = .seconds(5), maxRecordAge: Duration? = .seconds(3600),
        maxRetryAttempts: Int = 3, bisectOnError: Bool = true, parallelizationFactor: Int = 1,
        idlePoll: Duration = .seconds(1), retryBackoff: Duration = .milliseconds(100),
        maxRetryBackoff: Duration = .seconds(10), haltedRetryBackoff: Duration = .seconds(60),
        maxIdlePoll: Duration = .seconds(2)
    ) {
        self.batchSize = batchSize
        self.batchingWindow = batchingWindow
        self.maxRecordAge = maxRecordAge
        self.maxRetryAttempts = maxRetryAttempts
        self.bisectOnError = bisectOnError
        self.parallelizationFactor = parallelizationFactor
        self.idlePoll = idlePoll
        self.maxIdlePoll = maxIdlePoll
        self.retryBackoff = retryBackoff
        self.maxRetryBackoff = maxRetryBackoff
        self.haltedRetryBackoff = haltedRetryBackoff
    }

    /// Every problem found, empty when usable.
    public func problems() -> [String] {
        var problems: [String] = []
        if !(1...10_000).contains(batchSize) { problems.append("batchSize must be 1…10000, got \(batchSize)") }
        if batchingWindow < .zero { problems.append("batchingWindow must not be negative") }
        if let maxRecordAge, maxRecordAge <= .zero { problems.append("maxRecordAge must be positive or nil") }
        if maxRetryAttempts < -1 { problems.append("maxRetryAttempts must be -1 or more") }
        if !(1...10).contains(parallelizationFactor) {
            problems.append("parallelizationFactor must be 1…10, got \(parallelizationFactor)")
        }
        if idlePoll < .zero { problems.append("idlePoll must not be negative") }
        if maxIdlePoll < .zero { problems.append("maxIdlePoll must not be negative") }
        if retryBackoff <= .zero || maxRetryBackoff < retryBackoff {
            problems.append("retryBackoff must be positive and at most maxRetryBackoff")
        }
        if haltedRetryBackoff < maxRetryBackoff {
            problems.append("haltedRetryBackoff must be at least maxRetryBackoff")
        }
        return problems
    }
}
