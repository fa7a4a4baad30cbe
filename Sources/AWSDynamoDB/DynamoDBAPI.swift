/// The DynamoDB operations the daemon uses, as a role so that tests can put a fake behind it.
///
/// Calls are synchronous on the calling thread; an instance is used by one thread at a time.
/// Errors are `AWSError`s, already retried by the client's retry policy where that is safe
/// (never for conditional failures). A conditional failure surfaces as kind `.conditional`.
public protocol DynamoDBAPI: AnyObject {
    func describeTable(_ tableName: String) throws -> TableDescription
    func createTable(_ input: CreateTableInput) throws -> TableDescription
    func getItem(_ input: GetItemInput) throws -> Item?
    func putItem(_ input: PutItemInput) throws -> WriteOutput
    func updateItem(_ input: UpdateItemInput) throws -> WriteOutput
    func deleteItem(_ input: DeleteItemInput) throws -> WriteOutput
    func query(_ input: QueryInput) throws -> PageOutput
    func scan(_ input: ScanInput) throws -> PageOutput
    func transactWriteItems(_ input: TransactWriteItemsInput) throws -> TransactWriteItemsOutput
}

/// What DescribeTable / CreateTable say of a table.
public struct TableDescription: Sendable, Equatable {
    public var tableName: String
    public var tableStatus: String
    public var tableArn: String?
    /// Attribute name and key type (`HASH` / `RANGE`).
    public var keySchema: [KeySchemaElement]
    public var streamEnabled: Bool
    /// `NEW_AND_OLD_IMAGES` and friends; nil when streams are off.
    public var streamViewType: String?
    public var latestStreamArn: String?
    public var itemCount: Int?

    public init(
        tableName: String, tableStatus: String, tableArn: String? = nil, keySchema: [KeySchemaElement] = [],
        streamEnabled: Bool = false, streamViewType: String? = nil, latestStreamArn: String? = nil,
        itemCount: Int? = nil
    ) {
        self.tableName = tableName
        self.tableStatus = tableStatus
        self.tableArn = tableArn
        self.keySchema = keySchema
        self.streamEnabled = streamEnabled
        self.streamViewType = streamViewType
        self.latestStreamArn = latestStreamArn
        self.itemCount = itemCount
    }
}

public struct KeySchemaElement: Sendable, Equatable {
    public var attributeName: String
    /// `HASH` or `RANGE`.
    public var keyType: String
    public init(attributeName: String, keyType: String) {
        self.attributeName = attributeName
        self.keyType = keyType
    }
}

public struct AttributeDefinition: Sendable, Equatable {
    public var attributeName: String
    /// `S`, `N` or `B`.
    public var attributeType: String
    public init(attributeName: String, attributeType: String) {
        self.attributeName = attributeName
        self.attributeType = attributeType
    }
}

public struct CreateTableInput: Sendable {
    public var tableName: String
    public var keySchema: [KeySchemaElement]
    public var attributeDefinitions: [AttributeDefinition]
    /// `PAY_PER_REQUEST` (default) or `PROVISIONED`.
    public var billingMode: String
    /// e.g. `NEW_AND_OLD_IMAGES`; nil leaves streams off.
    public var streamViewType: String?
    public init(
        tableName: String, keySchema: [KeySchemaElement], attributeDefinitions: [AttributeDefinition],
        billingMode: String = "PAY_PER_REQUEST", streamViewType: String? = nil
    ) {
        self.tableName = tableName
        self.keySchema = keySchema
        self.attributeDefinitions = attributeDefinitions
        self.billingMode = billingMode
        self.streamViewType = streamViewType
    }
}

public struct GetItemInput: Sendable {
    public var tableName: String
    public var key: Item
    public var consistentRead: Bool
    /// Attributes to return (`ProjectionExpression`); nil returns the whole item.
    public var projectionExpression: String?
    public var names: [String: String]
    public init(
        tableName: String, key: Item, consistentRead: Bool = false, projectionExpression: String? = nil,
        names: [String: String] = [:]
    ) {
        self.tableName = tableName
        self.key = key
        self.consistentRead = consistentRead
        self.projectionExpression = projectionExpression
        self.names = names
    }
}

/// Expression parts shared by conditional writes.
public struct ExpressionParts: Sendable, Equatable {
    public var conditionExpression: String?
    public var names: [String: String]
    public var values: Item
    public init(conditionExpression: String? = nil, names: [String: String] = [:], values: Item = [:]) {
        self.conditionExpression = conditionExpression
        self.names = names
        self.values = values
    }
}

/// `ReturnValues` of a write.
public enum ReturnValues: String, Sendable {
    case none = "NONE"
    case allOld = "ALL_OLD"
    case allNew = "ALL_NEW"
    case updatedOld = "UPDATED_OLD"
    case updatedNew = "UPDATED_NEW"
}

public struct PutItemInput: Sendable {
    public var tableName: String
    public var item: Item
    public var expression: ExpressionParts
    public var returnValues: ReturnValues
    public init(
        tableName: String, item: Item, expression: ExpressionParts = .init(), returnValues: ReturnValues = .none
    ) {
        self.tableName = tableName
        self.item = item
        self.expression = expression
        self.returnValues = returnValues
    }
}

public struct UpdateItemInput: Sendable {
    public var tableName: String
    public var key: Item
    public var updateExpression: String
    public var expression: ExpressionParts
    public var returnValues: ReturnValues
    public init(
        tableName: String, key: Item, updateExpression: String, expression: ExpressionParts = .init(),
        returnValues: ReturnValues = .none
    ) {
        self.tableName = tableName
        self.key = key
        self.updateExpression = updateExpression
        self.expression = expression
        self.returnValues = returnValues
    }
}

public struct DeleteItemInput: Sendable {
    public var tableName: String
    public var key: Item
    public var expression: ExpressionParts
    public var returnValues: ReturnValues
    public init(tableName: String, key: Item, expression: ExpressionParts = .init(), returnValues: ReturnValues = .none)
    {
        self.tableName = tableName
        self.key = key
        self.expression = expression
        self.returnValues = returnValues
    }
}

/// What a single-item write returns.
public struct WriteOutput: Sendable {
    /// The attributes asked for with `ReturnValues`, if any.
    public var attributes: Item?
    /// `ConsumedCapacity.CapacityUnits` when the service reported it.
    public var consumedCapacity: Double?
    public init(attributes: Item? = nil, consumedCapacity: Double? = nil) {
        self.attributes = attributes
        self.consumedCapacity = consumedCapacity
    }
}

public struct QueryInput: Sendable {
    public var tableName: String
    public var indexName: String?
    public var keyConditionExpression: String
    public var filterExpression: String?
    public var names: [String: String]
    public var values: Item
    public var exclusiveStartKey: Item?
    public var limit: Int?
    public var consistentRead: Bool
    public init(
        tableName: String, indexName: String? = nil, keyConditionExpression: String, filterExpression: String? = nil,
        names: [String: String] = [:], values: Item = [:], exclusiveStartKey: Item? = nil, limit: Int? = nil,
        consistentRead: Bool = false
    ) {
        self.tableName = tableName
        self.indexName = indexName
        self.keyConditionExpression = keyConditionExpression
        self.filterExpression = filterExpression
        self.names = names
        self.values = values
        self.exclusiveStartKey = exclusiveStartKey
        self.limit = limit
        self.consistentRead = consistentRead
    }
}

public struct ScanInput: Sendable {
    public var tableName: String
    public var filterExpression: String?
    public var names: [String: String]
    public var values: Item
    public var exclusiveStartKey: Item?
    public var limit: Int?
    public var consistentRead: Bool
    public init(
        tableName: String, filterExpression: String? = nil, names: [String: String] = [:], values: Item = [:],
        exclusiveStartKey: Item? = nil, limit: Int? = nil, consistentRead: Bool = false
    ) {
        self.tableName = tableName
        self.filterExpression = filterExpression
        self.names = names
        self.values = values
        self.exclusiveStartKey = exclusiveStartKey
        self.limit = limit
        self.consistentRead = consistentRead
    }
}

/// One page of Query or Scan.
public struct PageOutput: Sendable {
    public var items: [Item]
    /// Present while more pages remain.
    public var lastEvaluatedKey: Item?
    public init(items: [Item], lastEvaluatedKey: Item? = nil) {
        self.items = items
        self.lastEvaluatedKey = lastEvaluatedKey
    }
}

/// One action of a TransactWriteItems call.
public enum TransactWriteItem: Sendable {
    case put(PutItemInput)
    case update(UpdateItemInput)
    case delete(DeleteItemInput)
    case conditionCheck(tableName: String, key: Item, expression: ExpressionParts)
}

public struct TransactWriteItemsInput: Sendable {
    /// At most 100 actions (the service rejects more).
    public var items: [TransactWriteItem]
    /// Idempotency token (honoured by DynamoDB for 10 minutes; not by moto).
    public var clientRequestToken: String?
    public init(items: [TransactWriteItem], clientRequestToken: String? = nil) {
        self.items = items
        self.clientRequestToken = clientRequestToken
    }
}

public struct TransactWriteItemsOutput: Sendable {
    /// Sum of `ConsumedCapacity` over tables when reported.
    public var consumedCapacity: Double?
    public init(consumedCapacity: Double? = nil) { self.consumedCapacity = consumedCapacity }
}
