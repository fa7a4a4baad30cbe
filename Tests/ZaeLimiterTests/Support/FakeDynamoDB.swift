import AWSCore
import AWSDynamoDB
import StreamConsumer

/// An in-memory DynamoDB for the aggregator: UpdateItem and all-or-nothing TransactWriteItems
/// over `UpdateExpressionEvaluator`, with scripted failures.
final class FakeDynamoDB: DynamoDBAPI {
    struct Key: Hashable {
        var table: String
        var pk: String
        var sk: String
    }
    var items: [Key: Item] = [:]
    var updateCalls: [UpdateItemInput] = []
    var transactCalls: [TransactWriteItemsInput] = []
    var getItemResult: Item?
    /// Errors thrown by the next TransactWriteItems calls, in order (nil = succeed).
    var transactScript: [AWSError?] = []
    /// Errors thrown by the next UpdateItem calls, in order (nil = succeed).
    var updateScript: [AWSError?] = []
    /// Decides the checkpoint action of a transaction (the fake checkpointer's item).
    var checkpointAction: ((UpdateItemInput) -> Bool)?

    func snapshots(table: String) -> [Key: Item] { items.filter { $0.key.table == table } }

    private func key(_ input: UpdateItemInput) -> Key {
        Key(table: input.tableName, pk: input.key["PK"]?.s ?? "", sk: input.key["SK"]?.s ?? "")
    }

    func updateItem(_ input: UpdateItemInput) throws -> WriteOutput {
        updateCalls.append(input)
        if !updateScript.isEmpty, let error = updateScript.removeFirst() { throw error }
        let k = key(input)
        items[k] = UpdateExpressionEvaluator.apply(input, to: items[k])
        return WriteOutput(consumedCapacity: 1)
    }

    func transactWriteItems(_ input: TransactWriteItemsInput) throws -> TransactWriteItemsOutput {
        transactCalls.append(input)
        if input.items.count > 100 {
            throw AWSError(
                kind: .fatal, code: "ValidationException", message: "too many", operation: "TransactWriteItems")
        }
        if !transactScript.isEmpty, let error = transactScript.removeFirst() { throw error }
        var staged = items
        var reasons: [String] = []
        var failed = false
        for action in input.items {
            guard case .update(let update) = action else { fatalError("unexpected action") }
            if update.expression.conditionExpression != nil {
                let ok = checkpointAction?(update) ?? true
                reasons.append(ok ? "None" : "ConditionalCheckFailed")
                failed = failed || !ok
                continue
            }
            reasons.append("None")
            let k = key(update)
            staged[k] = UpdateExpressionEvaluator.apply(update, to: staged[k])
        }
        if failed {
            throw AWSError(
                kind: .conditional, code: "TransactionCanceledException", message: "cancelled",
                operation: "TransactWriteItems", cancellationReasons: reasons)
        }
        items = staged
        return TransactWriteItemsOutput(consumedCapacity: Double(input.items.count * 2))
    }

    func getItem(_ input: GetItemInput) throws -> Item? { getItemResult }
    func describeTable(_ tableName: String) throws -> TableDescription { fatalError("unused") }
    func createTable(_ input: CreateTableInput) throws -> TableDescription { fatalError("unused") }
    func putItem(_ input: PutItemInput) throws -> WriteOutput { fatalError("unused") }
    func deleteItem(_ input: DeleteItemInput) throws -> WriteOutput { fatalError("unused") }
    func query(_ input: QueryInput) throws -> PageOutput { fatalError("unused") }
    func scan(_ input: ScanInput) throws -> PageOutput { fatalError("unused") }
}

/// A lane checkpointer over a lease the test controls; its fenced write is a conditional
/// UpdateItem on a `leases` table that `FakeDynamoDB` checks through `checkpointAction`.
final class FakeCheckpointer: Checkpointer {
    var lastCheckpoint: SequenceNumber?
    var leaseHeld = true
    var fencedRequests: [SequenceNumber] = []
    var commits: [SequenceNumber] = []
    var standalone: [SequenceNumber] = []
    /// Log of events in order, to check that rejections precede checkpoints.
    var events: [String] = []

    init(start: SequenceNumber? = nil) { lastCheckpoint = start }

    func attach(to db: FakeDynamoDB) {
        db.checkpointAction = { [unowned self] update in
            let previous = update.expression.values[":prev"]?.s
            return self.leaseHeld && previous == (self.lastCheckpoint?.digits ?? "NONE")
        }
    }

    func fencedCheckpoint(to sequenceNumber: SequenceNumber) -> TransactWriteItem {
        fencedRequests.append(sequenceNumber)
        return .update(
            UpdateItemInput(
                tableName: "leases", key: ["leaseKey": .s("shard")], updateExpression: "SET checkpoint = :new",
                expression: ExpressionParts(
                    conditionExpression: "leaseOwner = :me AND checkpoint = :prev",
                    values: [
                        ":new": .s(sequenceNumber.digits), ":me": .s("me"),
                        ":prev": .s(lastCheckpoint?.digits ?? "NONE"),
                    ])))
    }

    func committed(to sequenceNumber: SequenceNumber) {
        commits.append(sequenceNumber)
        events.append("commit \(sequenceNumber)")
        lastCheckpoint = sequenceNumber
    }

    func checkpoint(to sequenceNumber: SequenceNumber) throws {
        guard leaseHeld else { throw LeaseLostError(shardId: "shard") }
        standalone.append(sequenceNumber)
        events.append("checkpoint \(sequenceNumber)")
        lastCheckpoint = sequenceNumber
    }
}
