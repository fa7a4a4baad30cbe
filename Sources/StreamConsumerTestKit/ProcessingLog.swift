import AWSDynamoDB
import Foundation

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
