import AWSCore
import AWSDynamoDB

/// The Swift side of the golden vectors' fake table: records every UpdateItem in the
/// vectors' canonical text and refuses the planned calls with ConditionalCheckFailed.
final class RecordingMaintenanceTable: DynamoDBAPI {
    var requests: [String] = []
    let failing: Set<Int>
    /// Thrown by every call when set (after recording it).
    var error: AWSError?

    init(failing: Set<Int> = []) { self.failing = failing }

    func updateItem(_ input: UpdateItemInput) throws -> WriteOutput {
        let index = requests.count
        requests.append(Self.canonical(input))
        if let error { throw error }
        if failing.contains(index) {
            throw AWSError(
                kind: .conditional, code: "ConditionalCheckFailedException",
                message: "The conditional request failed", operation: "UpdateItem")
        }
        return WriteOutput()
    }

    /// The request as boto3's `update_item` keyword arguments in low-level form, keys sorted
    /// by code point, compact: the text `zl_refill_vectors.py` writes.
    static func canonical(_ input: UpdateItemInput) -> String {
        func sorted(_ members: [(String, JSONValue)]) -> JSONValue {
            .object(
                members.sorted { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) }.map {
                    (key: $0.0, value: $0.1)
                })
        }
        func value(_ attribute: AttributeValue) -> JSONValue {
            switch attribute {
            case .n(let text): return .object([(key: "N", value: .string(text))])
            case .s(let text): return .object([(key: "S", value: .string(text))])
            default: return .string("unexpected \(attribute)")
            }
        }
        var members: [(String, JSONValue)] = [
            ("Key", sorted(input.key.map { ($0.key, value($0.value)) })),
            ("UpdateExpression", .string(input.updateExpression)),
            ("ExpressionAttributeValues", sorted(input.expression.values.map { ($0.key, value($0.value)) })),
        ]
        if let condition = input.expression.conditionExpression {
            members.append(("ConditionExpression", .string(condition)))
        }
        if !input.expression.names.isEmpty {
            members.append(
                ("ExpressionAttributeNames", sorted(input.expression.names.map { ($0.key, .string($0.value)) })))
        }
        return sorted(members).serializedString()
    }

    func describeTable(_ tableName: String) throws -> TableDescription { throw unused("DescribeTable") }
    func createTable(_ input: CreateTableInput) throws -> TableDescription { throw unused("CreateTable") }
    func getItem(_ input: GetItemInput) throws -> Item? { throw unused("GetItem") }
    func putItem(_ input: PutItemInput) throws -> WriteOutput { throw unused("PutItem") }
    func deleteItem(_ input: DeleteItemInput) throws -> WriteOutput { throw unused("DeleteItem") }
    func query(_ input: QueryInput) throws -> PageOutput { throw unused("Query") }
    func scan(_ input: ScanInput) throws -> PageOutput { throw unused("Scan") }
    func transactWriteItems(_ input: TransactWriteItemsInput) throws -> TransactWriteItemsOutput {
        throw unused("TransactWriteItems")
    }

    private func unused(_ operation: String) -> AWSError {
        AWSError(kind: .fatal, code: "Unexpected", message: "maintenance sent \(operation)", operation: operation)
    }
}
