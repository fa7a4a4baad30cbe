import AWSDynamoDB

extension SnapshotUpdate {
    /// The UpdateItem the reference's `update_snapshot` would send, with summed counters.
    ///
    /// `ttl` is `now + ttlDays × 86400` (epoch seconds), set only if absent. No attribute beyond
    /// the reference's is written: zae-limiter reads every unknown number as a counter.
    public func updateItemInput(tableName: String, ttlEpochSeconds: Int64) -> UpdateItemInput {
        var names: [String: String] = [
            "#resource": "resource", "#window": "window", "#window_start": "window_start",
            "#total_events": "total_events", "#ttl": "ttl",
        ]
        var values: Item = [
            ":entity_id": .s(entityId),
            ":resource": .s(resource),
            ":window": .s(window.rawValue),
            ":window_start": .s(windowStart),
            ":gsi2pk": .s(ZaeLimiterSchema.resourceIndexKey(namespace: namespaceId, resource: resource)),
            ":gsi2sk": .s(ZaeLimiterSchema.usageIndexSortKey(windowKey: windowStart, entity: entityId)),
            ":gsi4pk": .s(namespaceId),
            ":gsi4sk": .s(key.partitionKey),
            ":ttl": .n(String(ttlEpochSeconds)),
            ":events": .n(String(totalEvents)),
        ]
        var adds: [String] = []
        for (index, entry) in tokens.enumerated() {
            names["#l\(index)"] = entry.limit
            values[":l\(index)"] = .n(String(entry.sum))
            adds.append("#l\(index) :l\(index)")
        }
        adds.append("#total_events :events")
        for (index, entry) in overdrawn.enumerated() {
            names["#o\(index)"] = entry.limit + ZaeLimiterSchema.overdrawnCounterSuffix
            values[":o\(index)"] = .n(String(entry.count))
            adds.append("#o\(index) :o\(index)")
        }
        let expression =
            "SET entity_id = :entity_id, #resource = if_not_exists(#resource, :resource), "
            + "#window = if_not_exists(#window, :window), "
            + "#window_start = if_not_exists(#window_start, :window_start), "
            + "GSI2PK = :gsi2pk, GSI2SK = :gsi2sk, GSI4PK = if_not_exists(GSI4PK, :gsi4pk), "
            + "GSI4SK = if_not_exists(GSI4SK, :gsi4sk), #ttl = if_not_exists(#ttl, :ttl) "
            + "ADD " + adds.joined(separator: ", ")
        return UpdateItemInput(
            tableName: tableName,
            key: ["PK": .s(key.partitionKey), "SK": .s(key.sortKey)],
            updateExpression: expression,
            expression: ExpressionParts(names: names, values: values))
    }
}
