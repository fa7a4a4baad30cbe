import AWSCore
import AWSDynamoDB
import Foundation
import StreamConsumer

/// A `LeaseStore` in memory with the same conditional semantics as `LeaseTable`. Thread-safe:
/// one instance may serve every thread (a store factory can return it).
///
/// `transact(_:)` runs a processor's TransactWriteItems atomically: lane checkpoint updates made
/// by `fencedLaneCheckpoint` are checked and applied, `.put`s to any other table are counted as
/// effects (`effectCount(id:)`), so tests can prove exactly-once application.
public final class InMemoryLeaseTable: LeaseStore, @unchecked Sendable {
    struct LaneItem: Equatable {
        var owner: String
        var claim: Int
        var checkpoint: SequenceNumber?
    }

    // Everything below is guarded by `lock`.
    private let lock = NSLock()
    private var leases: [String: Lease] = [:]
    private var lanes: [String: LaneItem] = [:]
    private var heartbeatCounters: [String: Int] = [:]
    private var effects: [String: Int] = [:]
    private var hook: (@Sendable (String) throws -> Void)?
    private var shardHook: (@Sendable (String, String) throws -> Void)?
    /// Operations whose next reply is lost, and whether the call is then retried.
    private var lostReplies: [String: Bool] = [:]
    private var journal: [String] = []
    public let tableName: String

    public init(tableName: String = "leases") { self.tableName = tableName }

    /// Called with the operation name before every operation; throw to inject a fault.
    public func setHook(_ hook: (@Sendable (String) throws -> Void)?) { lock.withLock { self.hook = hook } }

    /// Called with the operation name and the shard id before every operation on one shard's
    /// lease (`readLease`, `takeLease`, `renewLease`, `updateLease`, `releaseLease`), after
    /// `setHook`'s hook; throw to fail that shard's call, block to make it slow.
    public func setShardHook(_ hook: (@Sendable (String, String) throws -> Void)?) {
        lock.withLock { shardHook = hook }
    }

    /// The next `operation` call (`takeLease`, `renewLease`, `updateLease` or `releaseLease`) is
    /// applied, but its reply is lost. With `retried` the call is then made once more, as the AWS
    /// client's retrier does after a timeout, and the caller gets that second outcome; without
    /// it the caller gets a transient error (the call timed out).
    public func loseNextReply(of operation: String, retried: Bool) {
        lock.withLock { lostReplies[operation] = retried }
    }

    /// Every lease now.
    public var allLeases: [Lease] { lock.withLock { leases.values.sorted { $0.shardId < $1.shardId } } }
    public func lease(_ shardId: String) -> Lease? { lock.withLock { leases[shardId] } }
    /// A lane item's owner and checkpoint.
    public func lane(_ key: LaneKey) -> (owner: String, checkpoint: SequenceNumber?)? {
        lock.withLock { lanes[key.leaseKey].map { ($0.owner, $0.checkpoint) } }
    }
    /// Lane item keys that exist for a shard.
    public func laneKeys(of shardId: String) -> [String] {
        lock.withLock { lanes.keys.filter { $0.hasPrefix(shardId + "#") }.sorted() }
    }
    /// How many times an effect `id` was put by committed transactions.
    public func effectCount(id: String) -> Int { lock.withLock { effects[id] ?? 0 } }
    public var allEffects: [String: Int] { lock.withLock { effects } }

    /// Every write that changed a lease or a lane, in order: what a failing test prints to
    /// show how a checkpoint moved.
    public var history: [String] { lock.withLock { journal } }

    /// Called with `lock` held.
    private func note(_ line: String) { journal.append(line) }

    private func enter(_ operation: String, shardId: String? = nil) throws {
        try lock.withLock { hook }?(operation)
        guard let shardId else { return }
        let shardHook: (@Sendable (String, String) throws -> Void)? = lock.withLock { self.shardHook }
        try shardHook?(operation, shardId)
    }

    /// Runs `body` (which takes `lock` itself) and delivers its outcome, unless the reply was
    /// set to be lost (`loseNextReply(of:retried:)`).
    private func replying<Outcome>(_ operation: String, _ body: () -> Outcome) throws -> Outcome {
        let outcome = body()
        guard let retried = lock.withLock({ lostReplies.removeValue(forKey: operation) }) else { return outcome }
        guard retried else {
            throw AWSError(
                kind: .transient, code: "CurlTimeout", message: "reply lost (injected by the test)",
                operation: operation)
        }
        return body()
    }

    // MARK: - LeaseStore

    public func prepare() throws { try enter("prepare") }

    public func scanLeases() throws -> LeaseTableListing {
        try enter("listLeases")
        return lock.withLock {
            LeaseTableListing(
                leases: leases.values.sorted { $0.shardId < $1.shardId },
                heartbeats: heartbeatCounters.map { WorkerHeartbeat(worker: $0.key, counter: $0.value) }
                    .sorted { $0.worker < $1.worker })
        }
    }

    public func beat(worker: String) throws {
        try enter("beat")
        lock.withLock { heartbeatCounters[worker, default: 0] += 1 }
    }

    public func deleteHeartbeat(_ heartbeat: WorkerHeartbeat) throws -> Bool {
        try enter("deleteHeartbeat")
        return lock.withLock {
            guard heartbeatCounters[heartbeat.worker] == heartbeat.counter else { return false }
            heartbeatCounters[heartbeat.worker] = nil
            return true
        }
    }

    /// Each worker's heartbeat counter now (nil: no item).
    public func heartbeat(of worker: String) -> Int? { lock.withLock { heartbeatCounters[worker] } }

    public func readLease(shardId: String) throws -> Lease? {
        try enter("readLease", shardId: shardId)
        return lock.withLock { leases[shardId] }
    }

    public func createLease(_ lease: Lease) throws -> Bool {
        try enter("createLease")
        return lock.withLock {
            guard leases[lease.shardId] == nil else { return false }
            leases[lease.shardId] = lease
            return true
        }
    }

    public func takeLease(_ lease: Lease, owner: String) throws -> LeaseWriteOutcome {
        try enter("takeLease", shardId: lease.shardId)
        return try replying("takeLease") {
            lock.withLock {
                guard var stored = leases[lease.shardId], stored.counter == lease.counter, stored.owner == lease.owner
                else {
                    return .lostRace
                }
                stored.owner = owner
                stored.counter += 1
                stored.claimedAt = stored.counter
                stored.ownerSwitchesSinceCheckpoint += 1
                leases[lease.shardId] = stored
                note("take \(lease.shardId) by \(owner) counter \(stored.counter) lanes \(stored.laneCount ?? 0)")
                return .taken(stored)
            }
        }
    }

    public func renewLease(_ lease: Lease, checkpoint: LeaseCheckpoint?) throws -> LeaseWriteOutcome {
        try enter("renewLease", shardId: lease.shardId)
        return try replying("renewLease") {
            lock.withLock {
                guard var stored = leases[lease.shardId], stored.counter == lease.counter, stored.owner == lease.owner,
                    lease.owner != nil
                else { return .lostRace }
                stored.counter += 1
                if let checkpoint { stored.checkpoint = checkpoint }
                leases[lease.shardId] = stored
                return .taken(stored)
            }
        }
    }

    public func updateLease(_ lease: Lease) throws -> LeaseWriteOutcome {
        try enter("updateLease", shardId: lease.shardId)
        return try replying("updateLease") {
            lock.withLock {
                guard var stored = leases[lease.shardId], stored.owner == lease.owner, lease.owner != nil,
                    stored.claimedAt == lease.claimedAt
                else { return .lostRace }
                stored.checkpoint = lease.checkpoint
                stored.laneCount = lease.laneCount
                stored.previousLaneCount = lease.previousLaneCount
                if !lease.childShardIds.isEmpty { stored.childShardIds = lease.childShardIds }
                leases[lease.shardId] = stored
                note(
                    "update \(lease.shardId) by \(lease.owner ?? "-") checkpoint \(stored.checkpoint.wire) lanes "
                        + "\(stored.laneCount ?? 0) previous \(stored.previousLaneCount ?? 0)")
                return .taken(stored)
            }
        }
    }

    public func releaseLease(_ lease: Lease, checkpoint: LeaseCheckpoint?) throws -> LeaseWriteOutcome {
        try enter("releaseLease", shardId: lease.shardId)
        return try replying("releaseLease") {
            lock.withLock {
                guard var stored = leases[lease.shardId], stored.owner == lease.owner, lease.owner != nil,
                    stored.claimedAt == lease.claimedAt
                else { return .lostRace }
                stored.owner = nil
                if let checkpoint { stored.checkpoint = checkpoint }
                leases[lease.shardId] = stored
                note("release \(lease.shardId) by \(lease.owner ?? "-") checkpoint \(stored.checkpoint.wire)")
                return .taken(stored)
            }
        }
    }

    public func deleteLease(shardId: String) throws {
        try enter("deleteLease")
        lock.withLock { _ = leases.removeValue(forKey: shardId) }
    }

    public func claimLane(_ key: LaneKey, owner: String, claim: Int) throws -> LaneClaimOutcome {
        try enter("claimLane")
        return lock.withLock {
            var item = lanes[key.leaseKey] ?? LaneItem(owner: owner, claim: claim, checkpoint: nil)
            guard item.claim <= claim else { return .lostRace }
            item.owner = owner
            item.claim = claim
            lanes[key.leaseKey] = item
            note("claim \(key.leaseKey) by \(owner) claim \(claim) at \(item.checkpoint?.digits ?? "-")")
            return .claimed(item.checkpoint)
        }
    }

    public func resetLane(_ key: LaneKey, owner: String, claim: Int, checkpoint: SequenceNumber?) throws
        -> LaneClaimOutcome
    {
        try enter("resetLane")
        return lock.withLock {
            if let item = lanes[key.leaseKey], item.claim > claim { return .lostRace }
            lanes[key.leaseKey] = LaneItem(owner: owner, claim: claim, checkpoint: checkpoint)
            note("reset \(key.leaseKey) by \(owner) claim \(claim) to \(checkpoint?.digits ?? "-")")
            return .claimed(checkpoint)
        }
    }

    public func checkpointLane(_ key: LaneKey, fence: LaneFence, previous: SequenceNumber?, next: SequenceNumber) throws
        -> LaneCheckpointOutcome
    {
        try enter("checkpointLane")
        return lock.withLock { applyLaneCheckpoint(key.leaseKey, fence: fence, previous: previous, next: next) }
            ? .written : .lostRace
    }

    public func fencedLaneCheckpoint(
        _ key: LaneKey, fence: LaneFence, previous: SequenceNumber?, next: SequenceNumber
    ) -> TransactWriteItem {
        var values: Item = [":me": .s(fence.owner), ":claim": .n(String(fence.claim)), ":next": .s(next.digits)]
        if let previous { values[":prev"] = .s(previous.digits) }
        return .update(
            UpdateItemInput(
                tableName: tableName, key: ["leaseKey": .s(key.leaseKey)],
                updateExpression: "SET laneCheckpoint = :next",
                expression: ExpressionParts(conditionExpression: "fenced", values: values)))
    }

    public func readLane(_ key: LaneKey) throws -> LaneState? {
        try enter("readLane")
        return lock.withLock {
            lanes[key.leaseKey].map { LaneState(owner: $0.owner, claim: $0.claim, checkpoint: $0.checkpoint) }
        }
    }

    public func deleteLanes(_ keys: [LaneKey]) throws {
        try enter("deleteLanes")
        lock.withLock {
            for key in keys { lanes[key.leaseKey] = nil }
            note("delete \(keys.map(\.leaseKey))")
        }
    }

    // MARK: - Transactions

    /// Applies lane checkpoint updates (from `fencedLaneCheckpoint`) and effect puts (any other
    /// table; the item's `id` attribute names the effect) all or nothing. A failed fence throws
    /// an `AWSError` of kind `.conditional` (TransactionCanceledException) and applies nothing.
    public func transact(_ items: [TransactWriteItem]) throws {
        try enter("transact")
        try lock.withLock {
            var reasons: [String] = []
            for item in items {
                switch item {
                case .update(let input) where input.tableName == tableName:
                    reasons.append(checkFence(input) ? "None" : "ConditionalCheckFailed")
                default:
                    reasons.append("None")
                }
            }
            guard reasons.allSatisfy({ $0 == "None" }) else {
                throw AWSError(
                    kind: .conditional, code: "TransactionCanceledException", message: "fence failed",
                    operation: "TransactWriteItems", cancellationReasons: reasons)
            }
            for item in items {
                switch item {
                case .update(let input) where input.tableName == tableName:
                    let (key, fence, previous, next) = fenceParts(input)
                    _ = applyLaneCheckpoint(key, fence: fence, previous: previous, next: next)
                case .put(let input):
                    if let id = input.item["id"]?.s { effects[id, default: 0] += 1 }
                default:
                    break
                }
            }
        }
    }

    private func fenceParts(_ input: UpdateItemInput) -> (String, LaneFence, SequenceNumber?, SequenceNumber) {
        let values = input.expression.values
        return (
            input.key["leaseKey"]?.s ?? "",
            LaneFence(owner: values[":me"]?.s ?? "", claim: values[":claim"]?.n.flatMap { Int($0) } ?? -1),
            values[":prev"]?.s.flatMap(SequenceNumber.init),
            values[":next"]?.s.flatMap(SequenceNumber.init) ?? SequenceNumber("0")!
        )
    }

    private func checkFence(_ input: UpdateItemInput) -> Bool {
        let (key, fence, previous, _) = fenceParts(input)
        guard let item = lanes[key] else { return false }
        return item.owner == fence.owner && item.claim == fence.claim && item.checkpoint == previous
    }

    /// Called with `lock` held.
    private func applyLaneCheckpoint(
        _ key: String, fence: LaneFence, previous: SequenceNumber?, next: SequenceNumber
    ) -> Bool {
        guard var item = lanes[key], item.owner == fence.owner, item.claim == fence.claim, item.checkpoint == previous
        else { return false }
        item.checkpoint = next
        lanes[key] = item
        note("checkpoint \(key) by \(fence.owner) claim \(fence.claim) to \(next.digits)")
        return true
    }
}
