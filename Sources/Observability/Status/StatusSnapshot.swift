import Foundation

/// What one daemon reports on its status socket: who it is, the configuration in force, and
/// each shard it holds. Built by the daemon on demand (the status server's snapshot closure).
public struct StatusSnapshot: Codable, Sendable, Equatable {
    public var workerId: String
    public var host: String
    public var version: String
    public var startedAt: Date
    public var uptimeSeconds: Double
    /// The configuration in force as `key = value` pairs, secrets masked (see ``ConfigMasking``).
    public var config: [ConfigEntry]
    public var shards: [ShardStatus]
    public var totals: Totals
    /// The Lambda's other duties, each with its counters, in the Lambda's order; empty in the
    /// reply of a daemon that predates them.
    public var duties: [DutyStatus]
    /// The stream the daemon reads, or why it reads none ("waiting: table T has no stream
    /// enabled …", "draining stream X: table T now has stream Y"); nil in the reply of a daemon
    /// that predates it.
    public var stream: String?

    public init(
        workerId: String, host: String, version: String, startedAt: Date, uptimeSeconds: Double,
        config: [ConfigEntry], shards: [ShardStatus], totals: Totals, duties: [DutyStatus] = [],
        stream: String? = nil
    ) {
        self.workerId = workerId
        self.host = host
        self.version = version
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.config = config
        self.shards = shards
        self.totals = totals
        self.duties = duties
        self.stream = stream
    }

    private enum CodingKeys: String, CodingKey {
        case workerId, host, version, startedAt, uptimeSeconds, config, shards, totals, duties, stream
    }

    // Written out for one reason: a `status` client newer than the daemon it asks must still
    // read the reply, which then has no `duties`.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        workerId = try container.decode(String.self, forKey: .workerId)
        host = try container.decode(String.self, forKey: .host)
        version = try container.decode(String.self, forKey: .version)
        startedAt = try container.decode(Date.self, forKey: .startedAt)
        uptimeSeconds = try container.decode(Double.self, forKey: .uptimeSeconds)
        config = try container.decode([ConfigEntry].self, forKey: .config)
        shards = try container.decode([ShardStatus].self, forKey: .shards)
        totals = try container.decode(Totals.self, forKey: .totals)
        duties = try container.decodeIfPresent([DutyStatus].self, forKey: .duties) ?? []
        stream = try container.decodeIfPresent(String.self, forKey: .stream)
    }

    /// One configuration key and its (masked) value.
    public struct ConfigEntry: Codable, Sendable, Equatable {
        public var key: String
        public var value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// Totals since the worker started.
    public struct Totals: Codable, Sendable, Equatable {
        public var recordsProcessed: Int64
        public var recordsPerSecond: Double
        public var batches: Int64
        public var snapshotWrites: Int64
        public var errors: Int64
        public var retries: Int64
        public var leasesOwned: Int

        public init(
            recordsProcessed: Int64 = 0, recordsPerSecond: Double = 0, batches: Int64 = 0, snapshotWrites: Int64 = 0,
            errors: Int64 = 0, retries: Int64 = 0, leasesOwned: Int = 0
        ) {
            self.recordsProcessed = recordsProcessed
            self.recordsPerSecond = recordsPerSecond
            self.batches = batches
            self.snapshotWrites = snapshotWrites
            self.errors = errors
            self.retries = retries
            self.leasesOwned = leasesOwned
        }
    }
}

/// One shard as this worker sees it.
public struct ShardStatus: Codable, Sendable, Equatable {
    public var shardId: String
    /// The lease owner (this worker for shards it processes).
    public var owner: String?
    public var state: ShardState
    /// The last checkpoint: a sequence number, `TRIM_HORIZON`, `LATEST` or `SHARD_END`.
    public var checkpoint: String?
    /// Now minus the ApproximateCreationDateTime of the last record processed; nil before any.
    public var iteratorAgeSeconds: Double?
    public var recordsPerSecond: Double
    public var retries: Int64
    /// The last error's bounded description (class and message, no payload, no credentials).
    public var lastError: String?
    /// How long ago `lastError` happened, in seconds.
    public var lastErrorAgeSeconds: Double?

    public init(
        shardId: String, owner: String?, state: ShardState, checkpoint: String?, iteratorAgeSeconds: Double?,
        recordsPerSecond: Double = 0, retries: Int64 = 0, lastError: String? = nil, lastErrorAgeSeconds: Double? = nil
    ) {
        self.shardId = shardId
        self.owner = owner
        self.state = state
        self.checkpoint = checkpoint
        self.iteratorAgeSeconds = iteratorAgeSeconds
        self.recordsPerSecond = recordsPerSecond
        self.retries = retries
        self.lastError = lastError
        self.lastErrorAgeSeconds = lastErrorAgeSeconds
    }
}

/// A shard consumer's state, as a string so newer daemons can add states that older clients
/// still decode and print. The constants are the engine's (`ShardConsumer`) spellings.
public struct ShardState: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// A child shard waiting until its parents reach SHARD_END.
    public static let waitingForParents = ShardState(rawValue: "waitingForParents")
    public static let initializing = ShardState(rawValue: "initializing")
    public static let processing = ShardState(rawValue: "processing")
    /// Checkpointing SHARD_END.
    public static let endingShard = ShardState(rawValue: "endingShard")
    public static let shuttingDown = ShardState(rawValue: "shuttingDown")
    public static let notifyingLeaseLost = ShardState(rawValue: "notifyingLeaseLost")
    public static let stoppedShardEnded = ShardState(rawValue: "stopped(shardEnded)")
    public static let stoppedLeaseLost = ShardState(rawValue: "stopped(leaseLost)")
    public static let stoppedRequested = ShardState(rawValue: "stopped(requested)")
    /// A lease listed in the lease table that another worker (or nobody) holds.
    public static let notOwned = ShardState(rawValue: "notOwned")

    public var description: String { rawValue }

    public init(from decoder: Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension StatusSnapshot {
    /// The JSON coding used on the socket: ISO 8601 dates, sorted keys.
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        return decoder
    }
}
