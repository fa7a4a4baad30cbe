import AWSDynamoDB

/// Builds the UpdateItems of one batch's snapshot updates (`SnapshotUpdate.updateItemInput`),
/// reusing what items share.
///
/// The update expression, the attribute names and the value placeholders depend only on an
/// item's limit lists (which limits it ADDs, which it counts as overdrawn), and the items of a
/// batch mostly share them, so each shape is built once, with a values dictionary holding
/// every placeholder (and the batch's `ttl`). Each item copies that dictionary and its key
/// template and overwrites their values in place through indices kept with the template, so no
/// placeholder is hashed per item. One builder per batch and thread.
public struct UpdateItemBuilder {
    public let tableName: String
    private let ttl: AttributeValue

    /// The limit lists of an item, in the order they are ADDed.
    struct Shape: Hashable {
        var limits: [String]
        var overdrawn: [String]

        func matches(_ update: SnapshotUpdate) -> Bool {
            limits.count == update.tokens.count && overdrawn.count == update.overdrawn.count
                && zip(limits, update.tokens).allSatisfy { $0 == $1.limit }
                && zip(overdrawn, update.overdrawn).allSatisfy { $0 == $1.limit }
        }
    }

    struct Template {
        var expression: String
        var names: [String: String]
        /// Every value placeholder, with stand-ins except `:ttl`.
        var values: Item
        /// Where each placeholder's value sits in `values` (and in every copy of it).
        var slots: [Item.Index]
        /// `:l0`, `:l1`… then `:o0`…: the value placeholders, in the shape's order.
        var limitValues: [String]
        var overdrawnValues: [String]
    }

    /// The placeholders every item sets, in `Template.slots` order; limit counters follow.
    static let fixedPlaceholders = [
        ":entity_id", ":resource", ":window", ":window_start", ":gsi2pk", ":gsi2sk", ":gsi4pk", ":gsi4sk", ":events",
    ]

    private var templates: [(shape: Shape, template: Template)] = []
    private var lastTemplate = 0
    /// Hostile traffic could bring ever new limit names: the cache starts over beyond this.
    static let maximumTemplates = 64
    private var lastResourceIndexKey: (namespace: String, resource: String, key: String)?
    private let keyTemplate: Item
    private let keySlots: (pk: Item.Index, sk: Item.Index)

    public init(tableName: String, ttlEpochSeconds: Int64) {
        self.tableName = tableName
        self.ttl = .n(String(ttlEpochSeconds))
        let key: Item = ["PK": .null, "SK": .null]
        keyTemplate = key
        keySlots = (key.index(forKey: "PK")!, key.index(forKey: "SK")!)
    }

    /// The UpdateItem the reference's `update_snapshot` would send, with summed counters.
    ///
    /// `ttl` is set only if absent. No attribute beyond the reference's is written: zae-limiter
    /// reads every unknown number as a counter.
    public mutating func input(for update: SnapshotUpdate) -> UpdateItemInput {
        // Read in place: copying the template would retain and release each of its fields.
        let found = templateIndex(for: update)
        let slots = templates[found].template.slots
        // Copies share the template's layout, so its indices address the same entries.
        var values = templates[found].template.values
        values.values[slots[0]] = .s(update.entityId)
        values.values[slots[1]] = .s(update.resource)
        values.values[slots[2]] = .s(update.window.rawValue)
        values.values[slots[3]] = .s(update.windowStart)
        values.values[slots[4]] = .s(resourceIndexKey(update))
        values.values[slots[5]] = .s(
            ZaeLimiterSchema.usageIndexSortKey(windowKey: update.windowStart, entity: update.entityId))
        values.values[slots[6]] = .s(update.namespaceId)
        values.values[slots[7]] = .s(update.key.partitionKey)
        values.values[slots[8]] = .n(Self.decimal(update.totalEvents))
        var slot = Self.fixedPlaceholders.count
        for entry in update.tokens {
            values.values[slots[slot]] = .n(Self.decimal(entry.sum))
            slot += 1
        }
        for entry in update.overdrawn {
            values.values[slots[slot]] = .n(Self.decimal(entry.count))
            slot += 1
        }
        var key = keyTemplate
        key.values[keySlots.pk] = .s(update.key.partitionKey)
        key.values[keySlots.sk] = .s(update.key.sortKey)
        return UpdateItemInput(
            tableName: tableName, key: key, updateExpression: templates[found].template.expression,
            expression: ExpressionParts(names: templates[found].template.names, values: values))
    }

    /// `GSI2PK`, kept for the next item: a bucket's items (one per window) come one after another.
    private mutating func resourceIndexKey(_ update: SnapshotUpdate) -> String {
        if let last = lastResourceIndexKey, last.namespace == update.namespaceId, last.resource == update.resource {
            return last.key
        }
        let key = ZaeLimiterSchema.resourceIndexKey(namespace: update.namespaceId, resource: update.resource)
        lastResourceIndexKey = (update.namespaceId, update.resource, key)
        return key
    }

    /// `String(value)`, through `Int64` when it fits (the generic `Int128` printing is slower).
    static func decimal(_ value: Int128) -> String {
        if let small = Int64(exactly: value) { return String(small) }
        return String(value)
    }

    /// The position in `templates` of the update's shape, made if new.
    private mutating func templateIndex(for update: SnapshotUpdate) -> Int {
        if lastTemplate < templates.count, templates[lastTemplate].shape.matches(update) { return lastTemplate }
        if let found = templates.firstIndex(where: { $0.shape.matches(update) }) {
            lastTemplate = found
            return found
        }
        if templates.count >= Self.maximumTemplates { templates.removeAll(keepingCapacity: true) }
        let shape = Shape(limits: update.tokens.map(\.limit), overdrawn: update.overdrawn.map(\.limit))
        templates.append((shape, Self.makeTemplate(shape, ttl: ttl)))
        lastTemplate = templates.count - 1
        return lastTemplate
    }

    static func makeTemplate(_ shape: Shape, ttl: AttributeValue) -> Template {
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
        let placeholders = fixedPlaceholders + limitValues + overdrawnValues
        var values = Item(minimumCapacity: placeholders.count + 1)
        for placeholder in placeholders { values[placeholder] = .null }
        values[":ttl"] = ttl
        return Template(
            expression: expression, names: names, values: values,
            slots: placeholders.map { values.index(forKey: $0)! }, limitValues: limitValues,
            overdrawnValues: overdrawnValues)
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
