/// The DynamoDB Streams operations the daemon uses, as a role so tests can put a fake behind it.
///
/// Synchronous on the calling thread; one thread at a time per instance. Stream faults keep their
/// AWS codes in `AWSError.code` (`ExpiredIteratorException`, `TrimmedDataAccessException`,
/// `ResourceNotFoundException`, `LimitExceededException`) so the consumer can react to each.
public protocol DynamoDBStreamsAPI: AnyObject {
    func listStreams(_ input: ListStreamsInput) throws -> ListStreamsOutput
    /// One page of DescribeStream; page with `exclusiveStartShardId`.
    func describeStream(_ input: DescribeStreamInput) throws -> StreamDescription
    func getShardIterator(_ input: GetShardIteratorInput) throws -> String
    func getRecords(_ input: GetRecordsInput) throws -> GetRecordsOutput
}

public struct ListStreamsInput: Sendable {
    public var tableName: String?
    public var exclusiveStartStreamArn: String?
    public var limit: Int?
    public init(tableName: String? = nil, exclusiveStartStreamArn: String? = nil, limit: Int? = nil) {
        self.tableName = tableName
        self.exclusiveStartStreamArn = exclusiveStartStreamArn
        self.limit = limit
    }
}

public struct StreamSummary: Sendable, Equatable {
    public var streamArn: String
    public var tableName: String
    public var streamLabel: String
    public init(streamArn: String, tableName: String, streamLabel: String) {
        self.streamArn = streamArn
        self.tableName = tableName
        self.streamLabel = streamLabel
    }
}

public struct ListStreamsOutput: Sendable {
    public var streams: [StreamSummary]
    public var lastEvaluatedStreamArn: String?
    public init(streams: [StreamSummary], lastEvaluatedStreamArn: String? = nil) {
        self.streams = streams
        self.lastEvaluatedStreamArn = lastEvaluatedStreamArn
    }
}

public struct DescribeStreamInput: Sendable {
    public var streamArn: String
    public var exclusiveStartShardId: String?
    public var limit: Int?
    public init(streamArn: String, exclusiveStartShardId: String? = nil, limit: Int? = nil) {
        self.streamArn = streamArn
        self.exclusiveStartShardId = exclusiveStartShardId
        self.limit = limit
    }
}

/// One shard as DescribeStream lists it.
public struct Shard: Sendable, Equatable {
    public var shardId: String
    public var parentShardId: String?
    public var startingSequenceNumber: SequenceNumber?
    /// Nil while the shard is open.
    public var endingSequenceNumber: SequenceNumber?
    public init(
        shardId: String, parentShardId: String? = nil, startingSequenceNumber: SequenceNumber? = nil,
        endingSequenceNumber: SequenceNumber? = nil
    ) {
        self.shardId = shardId
        self.parentShardId = parentShardId
        self.startingSequenceNumber = startingSequenceNumber
        self.endingSequenceNumber = endingSequenceNumber
    }
}

/// One page of DescribeStream.
public struct StreamDescription: Sendable, Equatable {
    public var streamArn: String
    /// `ENABLING`, `ENABLED`, `DISABLING`, `DISABLED`.
    public var streamStatus: String
    public var streamViewType: String?
    public var tableName: String?
    public var shards: [Shard]
    /// Present while more shards remain: pass it as `exclusiveStartShardId`.
    public var lastEvaluatedShardId: String?
    public init(
        streamArn: String, streamStatus: String, streamViewType: String? = nil, tableName: String? = nil,
        shards: [Shard], lastEvaluatedShardId: String? = nil
    ) {
        self.streamArn = streamArn
        self.streamStatus = streamStatus
        self.streamViewType = streamViewType
        self.tableName = tableName
        self.shards = shards
        self.lastEvaluatedShardId = lastEvaluatedShardId
    }
}

/// Where a shard iterator starts.
public enum ShardIteratorPosition: Sendable, Equatable {
    case trimHorizon
    case latest
    case atSequenceNumber(SequenceNumber)
    case afterSequenceNumber(SequenceNumber)

    public var wireType: String {
        switch self {
        case .trimHorizon: return "TRIM_HORIZON"
        case .latest: return "LATEST"
        case .atSequenceNumber: return "AT_SEQUENCE_NUMBER"
        case .afterSequenceNumber: return "AFTER_SEQUENCE_NUMBER"
        }
    }
}

public struct GetShardIteratorInput: Sendable {
    public var streamArn: String
    public var shardId: String
    public var position: ShardIteratorPosition
    public init(streamArn: String, shardId: String, position: ShardIteratorPosition) {
        self.streamArn = streamArn
        self.shardId = shardId
        self.position = position
    }
}

public struct GetRecordsInput: Sendable {
    public var shardIterator: String
    /// 1…1000; nil lets the service choose (1000).
    public var limit: Int?
    /// Not sent: records it rejects come back as `GetRecordsOutput.skipped` entries
    /// (`RecordKeyFilter`).
    public var keyFilter: RecordKeyFilter?
    public init(shardIterator: String, limit: Int? = nil, keyFilter: RecordKeyFilter? = nil) {
        self.shardIterator = shardIterator
        self.limit = limit
        self.keyFilter = keyFilter
    }
}

public struct GetRecordsOutput: Sendable {
    /// The records decoded, in stream order: all of them unless a `RecordKeyFilter` was given.
    public var records: [StreamRecord]
    /// The records a `RecordKeyFilter` rejected, and where they lie among `records`
    /// (`streamOrder` merges the two).
    public var skipped: SkippedRecords
    /// Nil at shard end: the shard is closed and fully read.
    public var nextShardIterator: String?
    public init(records: [StreamRecord], skipped: SkippedRecords = SkippedRecords(), nextShardIterator: String?) {
        self.records = records
        self.skipped = skipped
        self.nextShardIterator = nextShardIterator
    }
}
