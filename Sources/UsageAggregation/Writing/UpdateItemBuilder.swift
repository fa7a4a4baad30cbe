import AWSDynamoDB

/// Builds the UpdateItems of one batch's snapshot updates (`SnapshotUpdate.updateItemInput`),
/// reusing what items share.
///
/// The update expression and the attribute names depend only on an item's limit lists (which
/// limits it ADDs, which it counts as overdrawn), and the items of a batch mostly share them, so
/// each shape is built once; the `ttl` value once per batch. One builder per batch and thread.
public struct UpdateItemBuilder {
    public let tableName: String
    private let ttl: AttributeValue

    /// The limit lists of an item, in the order they are ADDed.
    struct Shape: Hashable {
        var limits: [String]
        var overdrawn: [String]
    }

    struct Template {
        var expression: String
        var names: [String: String]
        /// `:l0`, `:l1`… then `:o0`…: the value placeholders, in the shape's order.
        var limitValues: [String]
        var overdrawnValues: [String]
    }

    private var templates: [Shape: Template] = [:]
    /// Hostile traffic could bring ever new limit names: the cache starts over beyond this.
    static let maximumTemplates = 64

    public init(tableName: String, ttlEpochSeconds: Int64) {
        self.tableName = tableName
        self.ttl = .n(String(ttlEpochSeconds))
    }

    /// The UpdateItem the reference's `update_snapshot` would send, with summed counters.
    ///
    /// `ttl` is set only if absent. No attribute beyond the reference's is written: zae-limiter
    /// reads every unknown number as a counter.
    public mutating func input(for update: SnapshotUpdate) -> UpdateItemInput {
        let template = self.template(for: update)
        var values = Item(minimumCapacity: 10 + update.tokens.count + update.overdrawn.count)
        values[":entity_id"] = .s(update.entityId)
        values[":resource"] = .s(update.resource)
        values[":window"] = .s(update.window.rawValue)
        values[":window_start"] = .s(update.windowStart)
        values[":gsi2pk"] = .s(
            ZaeLimiterSchema.resourceIndexKey(namespace: update.namespaceId, resource: update.resource))
        values[":gsi2sk"] = .s(
            ZaeLimiterSchema.usageIndexSortKey(windowKey: update.windowStart, entity: update.entityId))
        values[":gsi4pk"] = .s(update.namespaceId)
        values[":gsi4sk"] = .s(update.key.partitionKey)
        values[":ttl"] = ttl
        values[":events"] = .n(String(update.totalEvents))
        for (index, entry) in update.tokens.enumerated() {
            values[template.limitValues[index]] = .n(String(entry.sum))
        }
        for (index, entry) in update.overdrawn.enumerated() {
            values[template.overdrawnValues[index]] = .n(String(entry.count))
        }
        return UpdateItemInput(
            tableName: tableName,
            key: ["PK": .s(update.key.partitionKey), "SK": .s(update.key.sortKey)],
            updateExpression: template.expression,
            expression: ExpressionParts(names: template.names, values: values))
    }

    private mutating func template(for update: SnapshotUpdate) -> Template {
        let shape = Shape(limits: update.tokens.map(\.limit), overdrawn: update.overdrawn.map(\.limit))
        if let template = templates[shape] { return template }
        if templates.count >= Self.maximumTemplates { templates.removeAll(keepingCapacity: true) }
        let template = Self.makeTemplate(shape)
        templates[shape] = template
        return template
    }

    static func makeTemplate(_ shape: Shape) -> Template {
        var names = fixedNames
        var expression = setClause
        var limitValues: [String] = []
        for (index, limit) in shape.limits.enumerated() {
            let name = placeholder("#l", index)
            let value = placeholder(":l", index)
            names[name] = limit
            limitValues.append(value)
            expression += name + " " + value + ", "
        }
        expression += "#total_events :events"
        var overdrawnValues: [String] = []
        for (index, limit) in shape.overdrawn.enumerated() {
            let name = placeholder("#o", index)
            let value = placeholder(":o", index)
            names[name] = limit + ZaeLimiterSchema.overdrawnCounterSuffix
            overdrawnValues.append(value)
            expression += ", " + name + " " + value
        }
        return Template(
            expression: expression, names: names, limitValues: limitValues, overdrawnValues: overdrawnValues)
    }

    private static let fixedNames: [String: String] = [
        "#resource": "resource", "#window": "window", "#window_start": "window_start",
        "#total_events": "total_events", "#ttl": "ttl",
    ]

    /// Everything up to the ADD terms; the same for every item.
    private static let setClause =
        "SET entity_id = :entity_id, #resource = if_not_exists(#resource, :resource), "
        + "#window = if_not_exists(#window, :window), "
        + "#window_start = if_not_exists(#window_start, :window_start), "
        + "GSI2PK = :gsi2pk, GSI2SK = :gsi2sk, GSI4PK = if_not_exists(GSI4PK, :gsi4pk), "
        + "GSI4SK = if_not_exists(GSI4SK, :gsi4sk), #ttl = if_not_exists(#ttl, :ttl) ADD "

    private static func placeholder(_ prefix: String, _ index: Int) -> String {
        index < 10 ? prefix + String(UnicodeScalar(UInt8(48 + index))) : prefix + String(index)
    }
}
