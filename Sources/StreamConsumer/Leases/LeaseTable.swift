import AWSCore
import AWSDynamoDB
import Foundation

/// The lease table in DynamoDB, KCL's layout (`leaseKey` S as the hash key; attribute names in
/// `Lease`), plus the worker heartbeat and lane checkpoint items described in docs/leases.md.
///
/// One instance per thread: it wraps one `DynamoDBAPI` client. Conditional failures come back as
/// `.lostRace`; every other failure throws the client's `AWSError`.
public final class LeaseTable: LeaseStore {
    public let tableName: String
    private let client: DynamoDBAPI
    private let createIfMissing: Bool

    /// - Parameter createIfMissing: create the table (PAY_PER_REQUEST) in `prepare()` when it does
    ///   not exist; otherwise `prepare()` fails with `ConsumerError.leaseTableMissing`.
    public init(client: DynamoDBAPI, tableName: String, createIfMissing: Bool) {
        self.client = client
        self.tableName = tableName
        self.createIfMissing = createIfMissing
    }

    public func prepare() throws {
        var description: TableDescription
        do {
            description = try client.describeTable(tableName)
        } catch let error as AWSError where error.code == "ResourceNotFoundException" {
            guard createIfMissing else {
                throw ConsumerError(
                    .leaseTableMissing,
                    "lease table \(tableName) does not exist; create it or allow the consumer to create it",
                    underlying: error)
            }
            do {
                description = try client.createTable(
                    CreateTableInput(
                        tableName: tableName,
                        keySchema: [KeySchemaElement(attributeName: "leaseKey", keyType: "HASH")],
                        attributeDefinitions: [AttributeDefinition(attributeName: "leaseKey", attributeType: "S")]))
            } catch let error as AWSError where error.code == "ResourceInUseException" {
                // Another worker created it between our describe and create (workers started
                // together): use theirs.
                description = try client.describeTable(tableName)
            }
        }
        guard
            description.keySchema.isEmpty
                || description.keySchema == [KeySchemaElement(attributeName: "leaseKey", keyType: "HASH")]
        else {
            throw ConsumerError(
                .leaseTableIncompatible, "lease table \(tableName) must have the hash key leaseKey (S) only")
        }
        // A new table is CREATING for a few seconds; writes fail until it is ACTIVE.
        var polls = 0
        while description.tableStatus != "ACTIVE" && polls < 120 {
            Thread.sleep(forTimeInterval: 0.5)
            description = try client.describeTable(tableName)
            polls += 1
        }
        guard description.tableStatus == "ACTIVE" else {
            throw ConsumerError(.leaseTable, "lease table \(tableName) is \(description.tableStatus), not ACTIVE")
        }
    }

    public func scanLeases() throws -> LeaseTableListing {
        var listing = LeaseTableListing(leases: [])
        var startKey: Item?
        repeat {
            let page = try client.scan(
                ScanInput(
                    tableName: tableName, filterExpression: "attribute_not_exists(laneOf)", exclusiveStartKey: startKey,
                    consistentRead: true))
            for item in page.items {
                if let heartbeat = WorkerHeartbeat(item: item) {
                    listing.heartbeats.append(heartbeat)
                } else if let lease = Lease(item: item) {
                    listing.leases.append(lease)
                }
            }
            startKey = page.lastEvaluatedKey
        } while startKey != nil
        return listing
    }

    public func readLease(shardId: String) throws -> Lease? {
        try client.getItem(GetItemInput(tableName: tableName, key: ["leaseKey": .s(shardId)], consistentRead: true))
            .flatMap(Lease.init(item:))
    }

    public func createLease(_ lease: Lease) throws -> Bool {
        do {
            _ = try client.putItem(
                PutItemInput(
                    tableName: tableName, item: lease.item,
                    expression: ExpressionParts(conditionExpression: "attribute_not_exists(leaseKey)")))
            return true
        } catch let error as AWSError where error.kind == .conditional {
            return false
        }
    }

    public func takeLease(_ lease: Lease, owner: String) throws -> LeaseWriteOutcome {
        var values: Item = [
            ":me": .s(owner), ":seen": .n(String(lease.counter)), ":next": .n(String(lease.counter + 1)),
            ":zero": .n("0"), ":one": .n("1"),
        ]
        var condition = "leaseCounter = :seen AND "
        if let seenOwner = lease.owner {
            condition += "leaseOwner = :seenOwner"
            values[":seenOwner"] = .s(seenOwner)
        } else {
            condition += "attribute_not_exists(leaseOwner)"
        }
        return try update(
            lease.shardId,
            "SET leaseOwner = :me, leaseCounter = :next, claimedAt = :next, "
                + "ownerSwitchesSinceCheckpoint = if_not_exists(ownerSwitchesSinceCheckpoint, :zero) + :one",
            condition: condition, values: values)
    }

    public func renewLease(_ lease: Lease, checkpoint: LeaseCheckpoint?) throws -> LeaseWriteOutcome {
        guard let owner = lease.owner else { return .lostRace }
        var values: Item = [
            ":me": .s(owner), ":seen": .n(String(lease.counter)), ":next": .n(String(lease.counter + 1)),
        ]
        var expression = "SET leaseCounter = :next"
        if let checkpoint {
            expression += ", #cp = :cp"
            values[":cp"] = .s(checkpoint.wire)
        }
        return try update(
            lease.shardId, expression, condition: "leaseCounter = :seen AND leaseOwner = :me", values: values,
            names: checkpoint == nil ? [:] : ["#cp": "checkpoint"])
    }

    public func updateLease(_ lease: Lease) throws -> LeaseWriteOutcome {
        guard let owner = lease.owner else { return .lostRace }
        var values: Item = [":me": .s(owner), ":cp": .s(lease.checkpoint.wire)]
        let tenure = Self.tenureCondition(lease, values: &values)
        var sets = ["#cp = :cp"]
        var removes: [String] = []
        if let laneCount = lease.laneCount {
            sets.append("laneCount = :lanes")
            values[":lanes"] = .n(String(laneCount))
        } else {
            removes.append("laneCount")
        }
        if let previous = lease.previousLaneCount {
            sets.append("previousLaneCount = :previous")
            values[":previous"] = .n(String(previous))
        } else {
            removes.append("previousLaneCount")
        }
        if !lease.childShardIds.isEmpty {
            sets.append("childShardIds = :children")
            values[":children"] = .ss(lease.childShardIds)
        }
        var expression = "SET " + sets.joined(separator: ", ")
        if !removes.isEmpty { expression += " REMOVE " + removes.joined(separator: ", ") }
        return try update(
            lease.shardId, expression, condition: tenure, values: values, names: ["#cp": "checkpoint"])
    }

    public func releaseLease(_ lease: Lease, checkpoint: LeaseCheckpoint?) throws -> LeaseWriteOutcome {
        guard let owner = lease.owner else { return .lostRace }
        var values: Item = [":me": .s(owner)]
        let tenure = Self.tenureCondition(lease, values: &values)
        var expression = "REMOVE leaseOwner"
        if let checkpoint {
            expression += " SET #cp = :cp"
            values[":cp"] = .s(checkpoint.wire)
        }
        return try update(
            lease.shardId, expression, condition: tenure, values: values,
            names: checkpoint == nil ? [:] : ["#cp": "checkpoint"])
    }

    /// `leaseOwner = :me` and the same tenure (`claimedAt`), so a consumer of an earlier tenure
    /// of this owner cannot rewrite the lease (lane count, checkpoint) after a re-take.
    private static func tenureCondition(_ lease: Lease, values: inout Item) -> String {
        guard let claimedAt = lease.claimedAt else { return "leaseOwner = :me AND attribute_not_exists(claimedAt)" }
        values[":tenure"] = .n(String(claimedAt))
        return "leaseOwner = :me AND claimedAt = :tenure"
    }

    public func deleteLease(shardId: String) throws {
        _ = try client.deleteItem(DeleteItemInput(tableName: tableName, key: ["leaseKey": .s(shardId)]))
    }

    public func beat(worker: String) throws {
        _ = try client.updateItem(
            UpdateItemInput(
                tableName: tableName, key: ["leaseKey": .s(WorkerHeartbeat.key(of: worker))],
                updateExpression:
                    "SET heartbeatOf = :me, workerHeartbeat = if_not_exists(workerHeartbeat, :zero) + :one",
                expression: ExpressionParts(values: [":me": .s(worker), ":zero": .n("0"), ":one": .n("1")])))
    }

    public func deleteHeartbeat(_ heartbeat: WorkerHeartbeat) throws -> Bool {
        do {
            _ = try client.deleteItem(
                DeleteItemInput(
                    tableName: tableName, key: ["leaseKey": .s(WorkerHeartbeat.key(of: heartbeat.worker))],
                    expression: ExpressionParts(
                        conditionExpression: "workerHeartbeat = :seen",
                        values: [":seen": .n(String(heartbeat.counter))])))
            return true
        } catch let error as AWSError where error.kind == .conditional {
            return false
        }
    }

    public func claimLane(_ key: LaneKey, owner: String, claim: Int) throws -> LaneClaimOutcome {
        try writeLane(key, owner: owner, claim: claim, extra: "", values: [:])
    }

    public func resetLane(_ key: LaneKey, owner: String, claim: Int, checkpoint: SequenceNumber?) throws
        -> LaneClaimOutcome
    {
        if let checkpoint {
            return try writeLane(
                key, owner: owner, claim: claim, extra: ", laneCheckpoint = :cp", values: [":cp": .s(checkpoint.digits)]
            )
        }
        return try writeLane(key, owner: owner, claim: claim, extra: " REMOVE laneCheckpoint", values: [:])
    }

    public func checkpointLane(_ key: LaneKey, fence: LaneFence, previous: SequenceNumber?, next: SequenceNumber) throws
        -> LaneCheckpointOutcome
    {
        guard case .update(let input) = fencedLaneCheckpoint(key, fence: fence, previous: previous, next: next) else {
            return .lostRace
        }
        do {
            _ = try client.updateItem(input)
            return .written
        } catch let error as AWSError where error.kind == .conditional {
            return .lostRace
        }
    }

    public func fencedLaneCheckpoint(
        _ key: LaneKey, fence: LaneFence, previous: SequenceNumber?, next: SequenceNumber
    ) -> TransactWriteItem {
        var values: Item = [":me": .s(fence.owner), ":claim": .n(String(fence.claim)), ":next": .s(next.digits)]
        var condition = "leaseOwner = :me AND claimedAt = :claim AND "
        if let previous {
            condition += "laneCheckpoint = :prev"
            values[":prev"] = .s(previous.digits)
        } else {
            condition += "attribute_not_exists(laneCheckpoint)"
        }
        return .update(
            UpdateItemInput(
                tableName: tableName, key: ["leaseKey": .s(key.leaseKey)],
                updateExpression: "SET laneCheckpoint = :next",
                expression: ExpressionParts(conditionExpression: condition, values: values)))
    }

    public func readLane(_ key: LaneKey) throws -> LaneState? {
        guard
            let item = try client.getItem(
                GetItemInput(tableName: tableName, key: ["leaseKey": .s(key.leaseKey)], consistentRead: true))
        else { return nil }
        return LaneState(
            owner: item["leaseOwner"]?.s, claim: item["claimedAt"]?.n.flatMap { Int($0) },
            checkpoint: item["laneCheckpoint"]?.s.flatMap(SequenceNumber.init))
    }

    public func deleteLanes(_ keys: [LaneKey]) throws {
        for key in keys {
            _ = try client.deleteItem(DeleteItemInput(tableName: tableName, key: ["leaseKey": .s(key.leaseKey)]))
        }
    }

    // MARK: - Helpers

    private func writeLane(_ key: LaneKey, owner: String, claim: Int, extra: String, values: Item) throws
        -> LaneClaimOutcome
    {
        var allValues = values
        allValues[":me"] = .s(owner)
        allValues[":shard"] = .s(key.shardId)
        allValues[":claim"] = .n(String(claim))
        do {
            let output = try client.updateItem(
                UpdateItemInput(
                    tableName: tableName, key: ["leaseKey": .s(key.leaseKey)],
                    updateExpression: "SET leaseOwner = :me, laneOf = :shard, claimedAt = :claim" + extra,
                    expression: ExpressionParts(
                        conditionExpression: "attribute_not_exists(claimedAt) OR claimedAt <= :claim", values: allValues
                    ),
                    returnValues: .allNew))
            return .claimed(output.attributes?["laneCheckpoint"]?.s.flatMap(SequenceNumber.init))
        } catch let error as AWSError where error.kind == .conditional {
            return .lostRace
        }
    }

    private func update(
        _ shardId: String, _ expression: String, condition: String, values: Item, names: [String: String] = [:]
    ) throws -> LeaseWriteOutcome {
        do {
            let output = try client.updateItem(
                UpdateItemInput(
                    tableName: tableName, key: ["leaseKey": .s(shardId)], updateExpression: expression,
                    expression: ExpressionParts(
                        conditionExpression: "attribute_exists(leaseKey) AND " + condition, names: names, values: values
                    ),
                    returnValues: .allNew))
            guard let item = output.attributes, let lease = Lease(item: item) else {
                throw ConsumerError(.leaseTable, "UpdateItem on lease \(shardId) returned no readable lease")
            }
            return .taken(lease)
        } catch let error as AWSError where error.kind == .conditional {
            return .lostRace
        }
    }
}

extension Lease {
    /// Reads a lease item; nil for lane items, heartbeats and items without a usable key.
    public init?(item: Item) {
        guard item["laneOf"] == nil, item["heartbeatOf"] == nil, let key = item["leaseKey"]?.s else { return nil }
        let checkpoint = item["checkpoint"]?.s.flatMap(LeaseCheckpoint.init(wire:)) ?? .trimHorizon
        self.init(
            shardId: key, owner: item["leaseOwner"]?.s, counter: item["leaseCounter"]?.n.flatMap { Int($0) } ?? 0,
            checkpoint: checkpoint,
            ownerSwitchesSinceCheckpoint: item["ownerSwitchesSinceCheckpoint"]?.n.flatMap { Int($0) } ?? 0,
            parentShardIds: item["parentShardId"]?.ss ?? [], childShardIds: item["childShardIds"]?.ss ?? [],
            laneCount: item["laneCount"]?.n.flatMap { Int($0) },
            previousLaneCount: item["previousLaneCount"]?.n.flatMap { Int($0) },
            claimedAt: item["claimedAt"]?.n.flatMap { Int($0) }, streamArn: item["streamArn"]?.s)
    }

    /// The lease as a table item (string sets are left out when empty: DynamoDB rejects empty sets).
    public var item: Item {
        var item: Item = [
            "leaseKey": .s(shardId), "leaseCounter": .n(String(counter)), "checkpoint": .s(checkpoint.wire),
            "ownerSwitchesSinceCheckpoint": .n(String(ownerSwitchesSinceCheckpoint)),
        ]
        if let owner { item["leaseOwner"] = .s(owner) }
        if !parentShardIds.isEmpty { item["parentShardId"] = .ss(parentShardIds) }
        if !childShardIds.isEmpty { item["childShardIds"] = .ss(childShardIds) }
        if let laneCount { item["laneCount"] = .n(String(laneCount)) }
        if let previousLaneCount { item["previousLaneCount"] = .n(String(previousLaneCount)) }
        if let claimedAt { item["claimedAt"] = .n(String(claimedAt)) }
        if let streamArn { item["streamArn"] = .s(streamArn) }
        return item
    }
}
