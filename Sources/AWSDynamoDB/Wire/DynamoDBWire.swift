import AWSCore

/// Request bodies and response decoding of the DynamoDB operations (x-amz-json-1.0 shapes).
enum DynamoDBWire {
    // MARK: Requests

    static func createTable(_ input: CreateTableInput) -> JSONValue {
        var body = WireRequest()
        body.set("TableName", input.tableName)
        body.set(
            "AttributeDefinitions",
            .array(
                input.attributeDefinitions.map {
                    .object([
                        ("AttributeName", .string($0.attributeName)), ("AttributeType", .string($0.attributeType)),
                    ])
                }))
        body.set("KeySchema", .array(input.keySchema.map(keySchemaElement)))
        body.set("BillingMode", input.billingMode)
        if input.billingMode == "PROVISIONED" {
            // The input has no throughput fields; provisioned tables get the minimum.
            body.set(
                "ProvisionedThroughput",
                .object([("ReadCapacityUnits", .number("1")), ("WriteCapacityUnits", .number("1"))]))
        }
        if let viewType = input.streamViewType {
            body.set(
                "StreamSpecification", .object([("StreamEnabled", .bool(true)), ("StreamViewType", .string(viewType))]))
        }
        return body.json
    }

    static func describeTable(_ tableName: String) -> JSONValue {
        .object([("TableName", .string(tableName))])
    }

    static func getItem(_ input: GetItemInput) -> JSONValue {
        var body = WireRequest()
        body.set("TableName", input.tableName)
        body.set("Key", item: input.key)
        if input.consistentRead { body.set("ConsistentRead", .bool(true)) }
        body.set("ProjectionExpression", input.projectionExpression)
        body.setNames(input.names)
        return body.json
    }

    static func putItem(_ input: PutItemInput) -> JSONValue {
        var body = WireRequest()
        body.set("TableName", input.tableName)
        body.set("Item", item: input.item)
        body.set(input.expression)
        body.set(input.returnValues)
        body.set("ReturnConsumedCapacity", "TOTAL")
        return body.json
    }

    static func updateItem(_ input: UpdateItemInput) -> JSONValue {
        var body = WireRequest()
        body.set("TableName", input.tableName)
        body.set("Key", item: input.key)
        body.set("UpdateExpression", input.updateExpression)
        body.set(input.expression)
        body.set(input.returnValues)
        body.set("ReturnConsumedCapacity", "TOTAL")
        return body.json
    }

    static func deleteItem(_ input: DeleteItemInput) -> JSONValue {
        var body = WireRequest()
        body.set("TableName", input.tableName)
        body.set("Key", item: input.key)
        body.set(input.expression)
        body.set(input.returnValues)
        body.set("ReturnConsumedCapacity", "TOTAL")
        return body.json
    }

    static func query(_ input: QueryInput) -> JSONValue {
        var body = WireRequest()
        body.set("TableName", input.tableName)
        body.set("IndexName", input.indexName)
        body.set("KeyConditionExpression", input.keyConditionExpression)
        body.set("FilterExpression", input.filterExpression)
        body.setNames(input.names)
        body.setValues(input.values)
        body.set("ExclusiveStartKey", item: input.exclusiveStartKey)
        body.set("Limit", input.limit)
        if input.consistentRead { body.set("ConsistentRead", .bool(true)) }
        return body.json
    }

    static func scan(_ input: ScanInput) -> JSONValue {
        var body = WireRequest()
        body.set("TableName", input.tableName)
        body.set("FilterExpression", input.filterExpression)
        body.setNames(input.names)
        body.setValues(input.values)
        body.set("ExclusiveStartKey", item: input.exclusiveStartKey)
        body.set("Limit", input.limit)
        if input.consistentRead { body.set("ConsistentRead", .bool(true)) }
        return body.json
    }

    static func transactWriteItems(_ input: TransactWriteItemsInput) -> JSONValue {
        var body = WireRequest()
        body.set("TransactItems", .array(input.items.map(transactItem)))
        body.set("ClientRequestToken", input.clientRequestToken)
        body.set("ReturnConsumedCapacity", "TOTAL")
        return body.json
    }

    /// One action; `ReturnValues` does not exist inside transactions, so it is not sent.
    private static func transactItem(_ action: TransactWriteItem) -> JSONValue {
        var body = WireRequest()
        let name: String
        switch action {
        case .put(let put):
            name = "Put"
            body.set("TableName", put.tableName)
            body.set("Item", item: put.item)
            body.set(put.expression)
        case .update(let update):
            name = "Update"
            body.set("TableName", update.tableName)
            body.set("Key", item: update.key)
            body.set("UpdateExpression", update.updateExpression)
            body.set(update.expression)
        case .delete(let delete):
            name = "Delete"
            body.set("TableName", delete.tableName)
            body.set("Key", item: delete.key)
            body.set(delete.expression)
        case .conditionCheck(let tableName, let key, let expression):
            name = "ConditionCheck"
            body.set("TableName", tableName)
            body.set("Key", item: key)
            body.set(expression)
        }
        return .object([(name, body.json)])
    }

    private static func keySchemaElement(_ element: KeySchemaElement) -> JSONValue {
        .object([("AttributeName", .string(element.attributeName)), ("KeyType", .string(element.keyType))])
    }

    // MARK: Responses

    /// DescribeTable's `Table` or CreateTable's `TableDescription`.
    static func tableDescription(_ bytes: [UInt8], member: String) throws -> TableDescription {
        let table = try WireObject.parse(bytes).requiredObject(member)
        do {
            let (streamEnabled, streamViewType) = try table.nested("StreamSpecification") {
                (stream) throws(WireShapeError) in
                (try stream?.optionalBool("StreamEnabled") ?? false, try stream?.optionalString("StreamViewType"))
            }
            let keySchema = try table.objects("KeySchema") { (element) throws(WireShapeError) in
                KeySchemaElement(
                    attributeName: try element.requiredString("AttributeName"),
                    keyType: try element.requiredString("KeyType"))
            }
            var itemCount: Int?
            if let text = try table.optionalNumber("ItemCount") {
                guard let count = Int(text) else { throw WireShapeError(path: "ItemCount", expected: "an integer") }
                itemCount = count
            }
            return TableDescription(
                tableName: try table.requiredString("TableName"), tableStatus: try table.requiredString("TableStatus"),
                tableArn: try table.optionalString("TableArn"), keySchema: keySchema,
                streamEnabled: streamEnabled, streamViewType: streamViewType,
                latestStreamArn: try table.optionalString("LatestStreamArn"), itemCount: itemCount)
        } catch let error as WireShapeError {
            throw error.within(member)
        }
    }

    static func getItem(_ bytes: [UInt8]) throws -> Item? {
        try WireObject.parse(bytes).optionalItem("Item")
    }

    static func write(_ bytes: [UInt8]) throws -> WriteOutput {
        let response = try WireObject.parse(bytes)
        return WriteOutput(
            attributes: try response.optionalItem("Attributes"),
            consumedCapacity: try response.nested("ConsumedCapacity") { (capacity) throws(WireShapeError) in
                try capacity?.optionalDouble("CapacityUnits")
            })
    }

    static func page(_ bytes: [UInt8]) throws -> PageOutput {
        let response = try WireObject.parse(bytes)
        var items: [Item] = []
        for (index, element) in (try response.optionalArray("Items") ?? []).enumerated() {
            do { items.append(try Item(json: element)) } catch { throw error.within("Items[\(index)]") }
        }
        return PageOutput(items: items, lastEvaluatedKey: try response.optionalItem("LastEvaluatedKey"))
    }

    static func transactWriteItems(_ bytes: [UInt8]) throws -> TransactWriteItemsOutput {
        let response = try WireObject.parse(bytes)
        let units = try response.objects("ConsumedCapacity") { (entry) throws(WireShapeError) in
            try entry.optionalDouble("CapacityUnits") ?? 0
        }
        return TransactWriteItemsOutput(consumedCapacity: units.isEmpty ? nil : units.reduce(0, +))
    }
}
