import AWSCore
import Foundation

@testable import AWSDynamoDB

/// A DynamoDB that records every request as the client would send it (the real wire body,
/// `ReturnConsumedCapacity` left out, which the reference does not send) and answers from a
/// script of responses in call order: GetItem items, and write outcomes turned into the
/// `AWSError` the client's one classifier makes of the service's error body.
final class ScriptedPropagationTable: DynamoDBAPI {
    struct ScriptMismatch: Error, CustomStringConvertible {
        var description: String
    }

    private(set) var requests: [(op: String, body: JSONValue)] = []
    private var script: [JSONValue]
    private var position = 0

    init(script: [JSONValue]) { self.script = script }

    var unusedResponses: Int { script.count - position }

    private func next(_ op: String, _ body: JSONValue) throws -> JSONValue {
        var body = body
        if case .object(let members) = body { body = .object(members.filter { $0.key != "ReturnConsumedCapacity" }) }
        requests.append((op, body))
        guard position < script.count else { throw ScriptMismatch(description: "\(op) beyond the script") }
        let response = script[position]
        position += 1
        guard response["op"]?.stringValue == op else {
            throw ScriptMismatch(description: "\(op) where the reference made \(response["op"]?.stringValue ?? "?")")
        }
        return response
    }

    private func fail(_ op: String, _ response: JSONValue, actions: Int) throws {
        let outcome = response["outcome"]?.stringValue ?? ""
        if outcome == "ok" { return }
        var members: [(key: String, value: JSONValue)] = []
        let status: Int
        switch outcome {
        case "ccf":
            status = 400
            members = [
                ("__type", .string("com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException")),
                ("message", .string("The conditional request failed")),
            ]
        case "canceled":
            status = 400
            let reasons = response["reasons"]?.arrayValue ?? []
            members = [
                ("__type", .string("com.amazonaws.dynamodb.v20120810#TransactionCanceledException")),
                ("Message", .string("Transaction cancelled, please refer cancellation reasons for specific reasons")),
                ("CancellationReasons", .array(reasons.map { .object([("Code", $0)]) })),
            ]
        default:
            status = 500
            members = [("__type", .string("com.amazonaws.dynamodb.v20120810#\(outcome)")), ("message", .string("x"))]
        }
        let http = HTTPResponse(status: status, headers: [], body: JSONValue.object(members).serializedBytes())
        throw AWSError.classify(http, operation: op)!
    }

    func getItem(_ input: GetItemInput) throws -> Item? {
        let response = try next("GetItem", DynamoDBWire.getItem(input))
        guard let item = response["item"], item != .null else { return nil }
        return try Item(json: item)
    }

    func updateItem(_ input: UpdateItemInput) throws -> WriteOutput {
        let response = try next("UpdateItem", DynamoDBWire.updateItem(input))
        try fail("UpdateItem", response, actions: 1)
        return WriteOutput()
    }

    func transactWriteItems(_ input: TransactWriteItemsInput) throws -> TransactWriteItemsOutput {
        let response = try next("TransactWriteItems", DynamoDBWire.transactWriteItems(input))
        try fail("TransactWriteItems", response, actions: input.items.count)
        return TransactWriteItemsOutput()
    }

    func describeTable(_ tableName: String) throws -> TableDescription { throw unexpected("DescribeTable") }
    func createTable(_ input: CreateTableInput) throws -> TableDescription { throw unexpected("CreateTable") }
    func putItem(_ input: PutItemInput) throws -> WriteOutput { throw unexpected("PutItem") }
    func deleteItem(_ input: DeleteItemInput) throws -> WriteOutput { throw unexpected("DeleteItem") }
    func query(_ input: QueryInput) throws -> PageOutput { throw unexpected("Query") }
    func scan(_ input: ScanInput) throws -> PageOutput { throw unexpected("Scan") }

    private func unexpected(_ op: String) -> ScriptMismatch {
        requests.append((op, .null))
        return ScriptMismatch(description: "\(op) is never called by propagation")
    }
}

/// JSON with every object's members sorted by code point: DynamoDB request maps
/// (`ExpressionAttributeNames`, items) are unordered, so two bodies are the same request when
/// their canonical texts are equal.
enum CanonicalJSON {
    static func text(_ value: JSONValue) -> String { canonical(value).serializedString() }

    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            return .object(
                members.map { ($0.key, canonical($0.value)) }.sorted {
                    $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars)
                })
        case .array(let elements): return .array(elements.map(canonical))
        default: return value
        }
    }
}
