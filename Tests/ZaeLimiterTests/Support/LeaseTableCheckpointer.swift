import AWSCore
import AWSDynamoDB
import StreamConsumer

/// A fenced lane checkpointer on a real lease item (`leaseKey`, `leaseOwner`, `checkpoint`),
/// written with the same condition the engine's checkpointer uses: owner and previous value.
final class LeaseTableCheckpointer: Checkpointer {
    let client: DynamoDBAPI
    let table: String
    let shardId: String
    let owner: String
    var lastCheckpoint: SequenceNumber?

    /// Creates the lease item (owned by `owner`, at TRIM_HORIZON) unless `believing` is given:
    /// then it is a worker that believes the checkpoint is there, e.g. a zombie replaying.
    init(client: DynamoDBAPI, table: String, shardId: String, owner: String, believing: SequenceNumber? = nil) throws {
        self.client = client
        self.table = table
        self.shardId = shardId
        self.owner = owner
        lastCheckpoint = believing
        guard believing == nil else { return }
        _ = try client.putItem(
            PutItemInput(
                tableName: table,
                item: ["leaseKey": .s(shardId), "leaseOwner": .s(owner), "checkpoint": .s("TRIM_HORIZON")]))
    }

    private func update(to sequenceNumber: SequenceNumber) -> UpdateItemInput {
        UpdateItemInput(
            tableName: table, key: ["leaseKey": .s(shardId)], updateExpression: "SET #cp = :new",
            expression: ExpressionParts(
                conditionExpression: "leaseOwner = :me AND #cp = :prev", names: ["#cp": "checkpoint"],
                values: [
                    ":new": .s(sequenceNumber.digits), ":me": .s(owner),
                    ":prev": .s(lastCheckpoint?.digits ?? "TRIM_HORIZON"),
                ]))
    }

    func fencedCheckpoint(to sequenceNumber: SequenceNumber) -> TransactWriteItem {
        .update(update(to: sequenceNumber))
    }

    func committed(to sequenceNumber: SequenceNumber) { lastCheckpoint = sequenceNumber }

    func checkpoint(to sequenceNumber: SequenceNumber) throws {
        do {
            _ = try client.updateItem(update(to: sequenceNumber))
        } catch let error as AWSError where error.kind == .conditional {
            throw LeaseLostError(shardId: shardId)
        }
        lastCheckpoint = sequenceNumber
    }
}
