import AWSCore
import Logging

/// `DynamoDBAPI` over the DynamoDB JSON protocol (`DynamoDB_20120810`).
///
/// One instance per thread (it owns one `AWSJSONClient` and its transport). Errors are
/// classified `AWSError`s, already retried where safe; conditional failures come back as kind
/// `.conditional` (a cancelled transaction with its reasons in request order).
///
/// Retries follow the AWS SDKs: a write that timed out or lost its response may have been
/// applied, and is sent again. A write that must not apply twice (an `ADD`) needs a condition
/// that fails on a replay (the checkpoint fence), or a client built with `RetryPolicy.none`.
public final class DynamoDBClient: JSONProtocolService, DynamoDBAPI {
    /// The `X-Amz-Target` prefix of DynamoDB.
    public static let targetPrefix = "DynamoDB_20120810"

    private let client: AWSJSONClient

    public init(client: AWSJSONClient) {
        self.client = client
    }

    public func describeTable(_ tableName: String) throws -> TableDescription {
        try client.call("DescribeTable", input: DynamoDBWire.describeTable(tableName)) {
            try DynamoDBWire.tableDescription($0, member: "Table")
        }
    }

    public func createTable(_ input: CreateTableInput) throws -> TableDescription {
        try client.call("CreateTable", input: DynamoDBWire.createTable(input)) {
            try DynamoDBWire.tableDescription($0, member: "TableDescription")
        }
    }

    public func getItem(_ input: GetItemInput) throws -> Item? {
        try client.call("GetItem", input: DynamoDBWire.getItem(input)) { try DynamoDBWire.getItem($0) }
    }

    public func putItem(_ input: PutItemInput) throws -> WriteOutput {
        try client.call("PutItem", input: DynamoDBWire.putItem(input)) { try DynamoDBWire.write($0) }
    }

    public func updateItem(_ input: UpdateItemInput) throws -> WriteOutput {
        try client.call("UpdateItem", input: DynamoDBWire.updateItem(input)) { try DynamoDBWire.write($0) }
    }

    public func deleteItem(_ input: DeleteItemInput) throws -> WriteOutput {
        try client.call("DeleteItem", input: DynamoDBWire.deleteItem(input)) { try DynamoDBWire.write($0) }
    }

    public func query(_ input: QueryInput) throws -> PageOutput {
        try client.call("Query", input: DynamoDBWire.query(input)) { try DynamoDBWire.page($0) }
    }

    public func scan(_ input: ScanInput) throws -> PageOutput {
        try client.call("Scan", input: DynamoDBWire.scan(input)) { try DynamoDBWire.page($0) }
    }

    public func transactWriteItems(_ input: TransactWriteItemsInput) throws -> TransactWriteItemsOutput {
        try client.call("TransactWriteItems", input: DynamoDBWire.transactWriteItems(input)) {
            try DynamoDBWire.transactWriteItems($0)
        }
    }
}
