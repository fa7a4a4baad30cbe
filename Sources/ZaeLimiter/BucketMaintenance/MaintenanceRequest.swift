import AWSDynamoDB

/// One conditional UpdateItem a maintenance duty sends, with its names and values in the order
/// the reference inserts them (the order only matters to a reader; DynamoDB sees maps).
struct MaintenanceRequest: Equatable {
    /// An expression value: every one the duties write is a Python int or a string.
    enum Value: Equatable {
        case number(Int128)
        case string(String)

        var attributeValue: AttributeValue {
            switch self {
            case .number(let number): return .n(String(number))
            case .string(let text): return .s(text)
            }
        }
    }

    /// `PK` and `SK` of the bucket item.
    var key: [String: String]
    var updateExpression: String
    var conditionExpression: String
    var names: [(String, String)]
    var values: [(String, Value)]

    static func == (a: MaintenanceRequest, b: MaintenanceRequest) -> Bool {
        a.key == b.key && a.updateExpression == b.updateExpression && a.conditionExpression == b.conditionExpression
            && a.names.elementsEqual(b.names, by: ==) && a.values.elementsEqual(b.values, by: ==)
    }

    /// The request for `table`; names are omitted when there are none, as the reference does.
    func updateItemInput(table: String) -> UpdateItemInput {
        UpdateItemInput(
            tableName: table, key: key.mapValues { .s($0) }, updateExpression: updateExpression,
            expression: ExpressionParts(
                conditionExpression: conditionExpression,
                names: Dictionary(names, uniquingKeysWith: { _, last in last }),
                values: Dictionary(values.map { ($0.0, $0.1.attributeValue) }, uniquingKeysWith: { _, last in last })))
    }
}
