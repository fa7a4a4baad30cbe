import AWSCore
import AWSDynamoDB
import Foundation
import StreamConsumer

/// What every processor of a test saw and applied. Thread-safe.
public final class ProcessingLog: @unchecked Sendable {
    /// One processor call.
    public struct Call: Sendable {
        public var shardId: String
        public var lane: Int
        public var laneCount: Int
        public var sequenceNumbers: [SequenceNumber]
        public var keys: [String]
        public var attempt: Int
        public var succeeded: Bool
    }

    // Everything is guarded by `lock`.
    private let lock = NSLock()
    private var calls: [Call] = []
    private var events: [String] = []

    public init() {}

    func add(_ call: Call) { lock.withLock { calls.append(call) } }
    func event(_ text: String) { lock.withLock { events.append(text) } }

    public var allCalls: [Call] { lock.withLock { calls } }
    /// Lifecycle events such as "initialize shard-1 lane 0/2", "shardEnded shard-1".
    public var allEvents: [String] { lock.withLock { events } }

    /// Sequence numbers of records applied by successful calls, with repeats.
    public var applied: [SequenceNumber] { allCalls.filter(\.succeeded).flatMap(\.sequenceNumbers) }

    /// The keys applied in order, per key: the order in which each key's records were applied.
    public var appliedByKey: [String: [SequenceNumber]] {
        var result: [String: [SequenceNumber]] = [:]
        for call in allCalls where call.succeeded {
            for (key, sequence) in zip(call.keys, call.sequenceNumbers) { result[key, default: []].append(sequence) }
        }
        return result
    }
}

/// A processor that records what its lane saw, optionally fails, and either lets the engine
/// checkpoint or commits effects and checkpoint in one transaction of an `InMemoryLeaseTable`.
public final class RecordingProcessor: RecordProcessor {
    public enum Mode: Sendable {
        /// Return normally; the engine checkpoints.
        case engineCheckpoints
        /// Put one effect per record (id = sequence number) with the fenced checkpoint, at most
        /// 100 actions per transaction.
        case transactional(InMemoryLeaseTable)
    }

    let shardId: String
    let lane: Int
    let laneCount: Int
    let log: ProcessingLog
    let mode: Mode
    let shouldFail: @Sendable (StreamRecord, Int) -> Bool
    let delay: Duration

    init(
        shardId: String, lane: Int, laneCount: Int, log: ProcessingLog, mode: Mode,
        shouldFail: @escaping @Sendable (StreamRecord, Int) -> Bool, delay: Duration
    ) {
        self.shardId = shardId
        self.lane = lane
        self.laneCount = laneCount
        self.log = log
        self.mode = mode
        self.shouldFail = shouldFail
        self.delay = delay
    }

    public func initialize(_ input: InitializationInput) throws {
        log.event("initialize \(shardId) lane \(lane)/\(laneCount)")
    }

    public func process(_ batch: RecordBatch, checkpointer: Checkpointer) throws {
        if delay > .zero { Thread.sleep(forTimeInterval: delay.seconds) }
        var call = ProcessingLog.Call(
            shardId: batch.shardId, lane: batch.lane, laneCount: batch.laneCount,
            sequenceNumbers: batch.records.map(\.sequenceNumber), keys: batch.records.map { $0.keys["PK"]?.s ?? "" },
            attempt: batch.attempt, succeeded: false)
        if batch.records.contains(where: { shouldFail($0, batch.attempt) }) {
            log.add(call)
            throw TestFailure(message: "scripted failure")
        }
        if case .transactional(let table) = mode {
            var start = 0
            while start < batch.records.count {
                let chunk = batch.records[start..<min(batch.records.count, start + 99)]
                start += chunk.count
                let target = start == batch.records.count ? batch.batchEnd : chunk.last!.sequenceNumber
                var items: [TransactWriteItem] = chunk.map { record in
                    .put(PutItemInput(tableName: "effects", item: ["id": .s(record.sequenceNumber.digits)]))
                }
                items.append(checkpointer.fencedCheckpoint(to: target))
                do {
                    try table.transact(items)
                } catch let error as AWSError where error.kind == .conditional {
                    log.add(call)
                    throw LeaseLostError(shardId: shardId)
                }
                checkpointer.committed(to: target)
            }
        }
        call.succeeded = true
        log.add(call)
    }

    public func leaseLost(_ input: LeaseLostInput) { log.event("leaseLost \(shardId) lane \(lane)") }
    public func shardEnded(_ input: ShardEndedInput) throws { log.event("shardEnded \(shardId) lane \(lane)") }
    public func shutdownRequested(_ input: ShutdownRequestedInput) throws {
        log.event("shutdownRequested \(shardId) lane \(lane)")
    }
}

/// Makes `RecordingProcessor`s sharing one log.
public struct RecordingProcessorFactory: RecordProcessorFactory {
    public let log: ProcessingLog
    let mode: RecordingProcessor.Mode
    let shouldFail: @Sendable (StreamRecord, Int) -> Bool
    let delay: Duration

    /// - Parameter shouldFail: a call fails when it returns true for any record (with the attempt).
    public init(
        log: ProcessingLog, mode: RecordingProcessor.Mode = .engineCheckpoints,
        delay: Duration = .zero, shouldFail: @escaping @Sendable (StreamRecord, Int) -> Bool = { _, _ in false }
    ) {
        self.log = log
        self.mode = mode
        self.shouldFail = shouldFail
        self.delay = delay
    }

    public func makeProcessor(shardId: String, lane: Int, laneCount: Int) -> RecordProcessor {
        RecordingProcessor(
            shardId: shardId, lane: lane, laneCount: laneCount, log: log, mode: mode, shouldFail: shouldFail,
            delay: delay)
    }
}

/// The error scripted processors throw.
public struct TestFailure: Error, Sendable {
    public var message: String
}

/// A failure destination that keeps what it receives in memory. Thread-safe.
public final class InMemoryFailureDestination: FailureDestination, @unchecked Sendable {
    // `failures` and `failuresLeft` are guarded by `lock`.
    private let lock = NSLock()
    private var failures: [FailedRecords] = []
    private var failuresLeft: Int

    /// - Parameter failFirst: the first sends that throw (to test that nothing is dropped).
    public init(failFirst: Int = 0) { failuresLeft = failFirst }

    public func send(_ failure: FailedRecords) throws {
        try lock.withLock {
            if failuresLeft > 0 {
                failuresLeft -= 1
                throw TestFailure(message: "destination unavailable")
            }
            failures.append(failure)
        }
    }

    public var sentRecordCount: Int { lock.withLock { failures.reduce(0) { $0 + $1.records.count } } }
    public var received: [FailedRecords] { lock.withLock { failures } }
}
