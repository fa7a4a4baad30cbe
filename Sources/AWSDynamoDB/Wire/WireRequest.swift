import AWSCore

/// Builds a request body object member by member, leaving out absent and empty members (DynamoDB
/// rejects empty `ExpressionAttributeNames` / `Values` maps).
struct WireRequest {
    private(set) var members: [(key: String, value: JSONValue)] = []

    var json: JSONValue { .object(members) }

    mutating func set(_ name: String, _ value: JSONValue) { members.append((name, value)) }

    mutating func set(_ name: String, _ text: String?) {
        if let text { members.append((name, .string(text))) }
    }

    mutating func set(_ name: String, _ number: Int?) {
        if let number { members.append((name, .number(String(number)))) }
    }

    mutating func set(_ name: String, item: Item?) {
        if let item { members.append((name, item.jsonValue)) }
    }

    /// Condition, names and values of a conditional write or query.
    mutating func set(_ expression: ExpressionParts) {
        set("ConditionExpression", expression.conditionExpression)
        setNames(expression.names)
        setValues(expression.values)
    }

    mutating func setNames(_ names: [String: String]) {
        guard !names.isEmpty else { return }
        set("ExpressionAttributeNames", .object(names.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
    }

    mutating func setValues(_ values: Item) {
        guard !values.isEmpty else { return }
        set("ExpressionAttributeValues", values.jsonValue)
    }

    mutating func set(_ returnValues: ReturnValues) {
        if returnValues != .none { set("ReturnValues", returnValues.rawValue) }
    }
}
