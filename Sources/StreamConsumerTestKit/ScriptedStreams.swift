import AWSCore
import AWSDynamoDB
import Foundation
import StreamConsumer

/// A DynamoDB Streams fake with many shards, lineage, rollover, trimming, vanishing shards and
/// injected faults. Thread-safe: one instance may serve every thread (`makeClient` returns it).
///
/// Sequence numbers are 21-digit integers (so string comparison would be wrong) and grow across
/// the stream.
public final class ScriptedStreams: DynamoDBStreamsAPI, @unchecked Sendable {
    /// An error to throw on the Nth call of an operation (optionally for one shard only).
    public struct Fault: Sendable {
        public var operation: String
        public var shardId: String?
        /// 1-based: the fault fires on this matching call and the `times - 1` after it.
        public var onCall: Int
        public var times: Int
        public var code: String
        public var kind: AWSError.Kind
        public init(
            operation: String, shardId: String? = nil, onCall: Int, times: Int = 1, code: String,
            kind: AWSError.Kind
        ) {
            self.operation = operation
            self.shardId = shardId
            self.onCall = onCall
            self.times = times
            self.code = code
            self.kind = kind
        }
    }

    struct ScriptedShard {
        var shard: Shard
        var records: [StreamRecord] = []
        /// Records before this index are gone (retention).
        var trimmedBefore = 0
        var deleted = false
    }

    // Everything below is guarded by `lock`.
    private let lock = NSLock()
    private var shards: [ScriptedShard] = []
    private var nextSequence = 0
    private var iterators: [String: (shardId: String, index: Int, generation: Int)] = [:]
    private var iteratorCounter = 0
    private var generation = 0
    private var faults: [Fault] = []
    private var callCounts: [String: Int] = [:]
    private var firedFaults: [String] = []
    private var wallClock: @Sendable () -> Double
    public let streamArn: String
    // The three settings below are set before the consumer starts and only read afterwards.
    /// Shards per DescribeStream page (small, to exercise paging).
    public var describePageSize = 3
    /// Records per GetRecords page at most (besides the caller's Limit).
    public var pageSize = 1000
    /// How long each GetRecords call takes (before it is counted), like a network round trip.
    public var getRecordsDelay: Duration = .zero

    /// - Parameter firstSequence: where sequence numbers start, so that two streams in one test
    ///   (a table's stream turned off and on) have distinct ones.
    public init(
        streamArn: String = "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026", firstSequence: Int = 0,
        wallClock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.streamArn = streamArn
        self.nextSequence = firstSequence
        self.wallClock = wallClock
    }

    /// Calls per operation so far (e.g. "GetRecords").
    public func calls(_ operation: String) -> Int { lock.withLock { callCounts[operation] ?? 0 } }
    /// Codes of the faults that fired, in order.
    public var faultsFired: [String] { lock.withLock { firedFaults } }

    // MARK: - Scripting

    /// Adds an open shard.
    public func addShard(_ shardId: String, parent: String? = nil) {
        lock.withLock {
            shards.append(
                ScriptedShard(
                    shard: Shard(
                        shardId: shardId, parentShardId: parent,
                        startingSequenceNumber: SequenceNumber(sequenceText(nextSequence)))))
        }
    }

    /// Appends a MODIFY record for `key` (PK) with `value` in its NewImage; returns its sequence number.
    @discardableResult
    public func put(_ shardId: String, key: String, value: Int, createdAt: Double? = nil) -> SequenceNumber {
        lock.withLock {
            nextSequence += 1
            let sequence = SequenceNumber(sequenceText(nextSequence))!
            let record = StreamRecord(
                eventID: "e\(nextSequence)", eventName: .modify, eventSource: "aws:dynamodb", awsRegion: "us-east-1",
                approximateCreationDateTime: createdAt ?? wallClock().rounded(.down),
                keys: ["PK": .s(key), "SK": .s("#STATE")],
                newImage: ["PK": .s(key), "SK": .s("#STATE"), "v": .n(String(value))],
                oldImage: ["PK": .s(key), "SK": .s("#STATE"), "v": .n(String(value - 1))], sequenceNumber: sequence,
                sizeBytes: 64, streamViewType: "NEW_AND_OLD_IMAGES")
            let index = shards.firstIndex { $0.shard.shardId == shardId }!
            precondition(shards[index].shard.endingSequenceNumber == nil, "shard \(shardId) is closed")
            shards[index].records.append(record)
            return sequence
        }
    }

    /// Closes a shard (it gets an ending sequence number; readers reach shard end).
    public func close(_ shardId: String) {
        lock.withLock {
            let index = shards.firstIndex { $0.shard.shardId == shardId }!
            nextSequence += 1
            shards[index].shard.endingSequenceNumber = SequenceNumber(sequenceText(nextSequence))
        }
    }

    /// Closes `parent` and opens `children` under it (a rollover or split).
    public func rollover(_ parent: String, into children: [String]) {
        close(parent)
        for child in children { addShard(child, parent: parent) }
    }

    /// Drops the first `count` records of a shard, as retention does.
    public func trim(_ shardId: String, before count: Int) {
        lock.withLock {
            let index = shards.firstIndex { $0.shard.shardId == shardId }!
            shards[index].trimmedBefore = count
        }
    }

    /// Makes the shard vanish: DescribeStream omits it, reads fail with ResourceNotFoundException.
    public func delete(_ shardId: String) {
        lock.withLock {
            let index = shards.firstIndex { $0.shard.shardId == shardId }!
            shards[index].deleted = true
        }
    }

    /// Makes every iterator handed out so far expired.
    public func expireIterators() { lock.withLock { generation += 1 } }

    public func inject(_ fault: Fault) { lock.withLock { faults.append(fault) } }

    /// All records of a shard (trimmed ones included).
    public func records(of shardId: String) -> [StreamRecord] {
        lock.withLock { shards.first { $0.shard.shardId == shardId }?.records ?? [] }
    }

    // MARK: - DynamoDBStreamsAPI

    public func listStreams(_ input: ListStreamsInput) throws -> ListStreamsOutput {
        ListStreamsOutput(streams: [StreamSummary(streamArn: streamArn, tableName: "t", streamLabel: "2026")])
    }

    public func describeStream(_ input: DescribeStreamInput) throws -> StreamDescription {
        try lock.withLock {
            try count("DescribeStream", shardId: nil)
            let visible = shards.filter { !$0.deleted }.map(\.shard)
            var start = 0
            if let after = input.exclusiveStartShardId, let index = visible.firstIndex(where: { $0.shardId == after }) {
                start = index + 1
            }
            let page = Array(visible[start..<min(visible.count, start + describePageSize)])
            let more = start + page.count < visible.count
            return StreamDescription(
                streamArn: streamArn, streamStatus: "ENABLED", streamViewType: "NEW_AND_OLD_IMAGES", tableName: "t",
                shards: page, lastEvaluatedShardId: more ? page.last?.shardId : nil)
        }
    }

    public func getShardIterator(_ input: GetShardIteratorInput) throws -> String {
        try lock.withLock {
            try count("GetShardIterator", shardId: input.shardId)
            guard let shard = shards.first(where: { $0.shard.shardId == input.shardId }), !shard.deleted else {
                throw error("ResourceNotFoundException", .fatal, "GetShardIterator")
            }
            let index: Int
            switch input.position {
            case .trimHorizon: index = shard.trimmedBefore
            case .latest: index = shard.records.count
            case .atSequenceNumber(let sequence):
                index = shard.records.firstIndex { $0.sequenceNumber >= sequence } ?? shard.records.count
            case .afterSequenceNumber(let sequence):
                index = shard.records.firstIndex { $0.sequenceNumber > sequence } ?? shard.records.count
            }
            if index < shard.trimmedBefore { throw error("TrimmedDataAccessException", .fatal, "GetShardIterator") }
            return makeIterator(shard.shard.shardId, index)
        }
    }

    public func getRecords(_ input: GetRecordsInput) throws -> GetRecordsOutput {
        let delay = lock.withLock { getRecordsDelay }
        if delay > .zero {
            let parts = delay.components
            Thread.sleep(forTimeInterval: Double(parts.seconds) + Double(parts.attoseconds) / 1e18)
        }
        return try lock.withLock {
            guard let position = iterators[input.shardIterator] else {
                throw error("ValidationException", .fatal, "GetRecords")
            }
            try count("GetRecords", shardId: position.shardId)
            guard position.generation == generation else {
                throw error("ExpiredIteratorException", .fatal, "GetRecords")
            }
            guard let shard = shards.first(where: { $0.shard.shardId == position.shardId }), !shard.deleted else {
                throw error("ResourceNotFoundException", .fatal, "GetRecords")
            }
            if position.index < shard.trimmedBefore { throw error("TrimmedDataAccessException", .fatal, "GetRecords") }
            let limit = min(input.limit ?? 1000, pageSize)
            let end = min(shard.records.count, position.index + limit)
            let page = Array(shard.records[position.index..<end])
            let atEnd = shard.shard.endingSequenceNumber != nil && end == shard.records.count
            return GetRecordsOutput(records: page, nextShardIterator: atEnd ? nil : makeIterator(position.shardId, end))
        }
    }

    // MARK: - Helpers (called with `lock` held)

    private func makeIterator(_ shardId: String, _ index: Int) -> String {
        iteratorCounter += 1
        let token = "it-\(iteratorCounter)"
        iterators[token] = (shardId, index, generation)
        return token
    }

    private func count(_ operation: String, shardId: String?) throws {
        callCounts[operation, default: 0] += 1
        for index in faults.indices where faults[index].operation == operation {
            if let wanted = faults[index].shardId, wanted != shardId { continue }
            let key = "\(operation)|\(faults[index].shardId ?? "*")|\(index)"
            callCounts[key, default: 0] += 1
            let call = callCounts[key]!
            let fault = faults[index]
            if call >= fault.onCall && call < fault.onCall + fault.times {
                firedFaults.append(fault.code)
                throw error(fault.code, fault.kind, operation)
            }
        }
    }

    private func error(_ code: String, _ kind: AWSError.Kind, _ operation: String) -> AWSError {
        AWSError(kind: kind, code: code, message: "scripted", operation: operation, httpStatus: 400)
    }

    private func sequenceText(_ value: Int) -> String {
        // 21 digits: "100000000000000000000" + value.
        let digits = String(value)
        return "1" + String(repeating: "0", count: 20 - digits.count) + digits
    }
}
