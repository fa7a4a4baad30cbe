import AWSDynamoDB

/// The `effects` table the moto tests' processors write (`id` S hash key, `applied` N counter).
extension DynamoDBClient {
    func createEffectsTable() throws {
        _ = try createTable(
            CreateTableInput(
                tableName: "effects", keySchema: [KeySchemaElement(attributeName: "id", keyType: "HASH")],
                attributeDefinitions: [AttributeDefinition(attributeName: "id", attributeType: "S")]))
    }

    /// `applied` per effect id, from a consistent scan.
    func appliedCounts() throws -> [String: String] {
        var counts: [String: String] = [:]
        var start: Item?
        repeat {
            let page = try scan(ScanInput(tableName: "effects", exclusiveStartKey: start, consistentRead: true))
            for item in page.items { counts[item["id"]?.s ?? ""] = item["applied"]?.n }
            start = page.lastEvaluatedKey
        } while start != nil
        return counts
    }
}
