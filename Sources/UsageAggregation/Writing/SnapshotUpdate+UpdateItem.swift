import AWSDynamoDB

extension SnapshotUpdate {
    /// The UpdateItem the reference's `update_snapshot` would send, with summed counters.
    ///
    /// `ttl` is `now + ttlDays × 86400` (epoch seconds), set only if absent. No attribute beyond
    /// the reference's is written: zae-limiter reads every unknown number as a counter.
    public func updateItemInput(tableName: String, ttlEpochSeconds: Int64) -> UpdateItemInput {
        var names = Self.fixedNames
        names.reserveCapacity(Self.fixedNames.count + tokens.count + overdrawn.count)
        var values: Item = [:]
        values.reserveCapacity(10 + tokens.count + overdrawn.count)
        values[":entity_id"] = .s(entityId)
        values[":resource"] = .s(resource)
        values[":window"] = .s(window.rawValue)
        values[":window_start"] = .s(windowStart)
        values[":gsi2pk"] = .s(ZaeLimiterSchema.resourceIndexKey(namespace: namespaceId, resource: resource))
        values[":gsi2sk"] = .s(ZaeLimiterSchema.usageIndexSortKey(windowKey: windowStart, entity: entityId))
        values[":gsi4pk"] = .s(namespaceId)
        values[":gsi4sk"] = .s(key.partitionKey)
        values[":ttl"] = .n(String(ttlEpochSeconds))
        values[":events"] = .n(String(totalEvents))
        var expression = Self.setClause
        for (index, entry) in tokens.enumerated() {
            let name = Self.placeholder("#l", index)
            let value = Self.placeholder(":l", index)
            names[name] = entry.limit
            values[value] = .n(String(entry.sum))
            expression += name + " " + value + ", "
        }
        expression += "#total_events :events"
        for (index, entry) in overdrawn.enumerated() {
            let name = Self.placeholder("#o", index)
            let value = Self.placeholder(":o", index)
            names[name] = entry.limit + ZaeLimiterSchema.overdrawnCounterSuffix
            values[value] = .n(String(entry.count))
            expression += ", " + name + " " + value
        }
        return UpdateItemInput(
            tableName: tableName,
            key: ["PK": .s(key.partitionKey), "SK": .s(key.sortKey)],
            updateExpression: expression,
            expression: ExpressionParts(names: names, values: values))
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
