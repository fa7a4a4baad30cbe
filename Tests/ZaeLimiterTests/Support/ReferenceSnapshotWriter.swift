import AWSDynamoDB

@testable import ZaeLimiter

/// A line-by-line transcription of the reference's `update_snapshot` (one UpdateItem per
/// delta and window), used as the oracle for the coalescing equivalence tests.
enum ReferenceSnapshotWriter {
    static func updates(for delta: UsageDelta, windows: [UsageWindow], table: String, ttl: Int64) -> [UpdateItemInput] {
        windows.map { window in
            let windowKey = window.key(forMilliseconds: delta.timestampMilliseconds)!
            var names = [
                "#resource": "resource", "#window": "window", "#window_start": "window_start",
                "#limit_name": delta.limitName, "#total_events": "total_events", "#ttl": "ttl",
            ]
            var addClause = "#limit_name :delta, #total_events :one"
            if delta.overdrawn {
                names["#overdrawn"] = "\(delta.limitName)#od"
                addClause += ", #overdrawn :one"
            }
            let pk = "\(delta.namespaceId)/ENTITY#\(delta.entityId)"
            return UpdateItemInput(
                tableName: table,
                key: ["PK": .s(pk), "SK": .s("#USAGE#\(delta.resource)#\(windowKey)")],
                updateExpression: """
                    SET entity_id = :entity_id,
                        #resource = if_not_exists(#resource, :resource),
                        #window = if_not_exists(#window, :window),
                        #window_start = if_not_exists(#window_start, :window_start),
                        GSI2PK = :gsi2pk,
                        GSI2SK = :gsi2sk,
                        GSI4PK = if_not_exists(GSI4PK, :gsi4pk),
                        GSI4SK = if_not_exists(GSI4SK, :gsi4sk),
                        #ttl = if_not_exists(#ttl, :ttl)
                    ADD \(addClause)
                    """,
                expression: ExpressionParts(
                    names: names,
                    values: [
                        ":entity_id": .s(delta.entityId), ":resource": .s(delta.resource),
                        ":window": .s(window.rawValue),
                        ":window_start": .s(windowKey),
                        ":gsi2pk": .s("\(delta.namespaceId)/RESOURCE#\(delta.resource)"),
                        ":gsi2sk": .s("USAGE#\(windowKey)#\(delta.entityId)"), ":gsi4pk": .s(delta.namespaceId),
                        ":gsi4sk": .s(pk), ":ttl": .n(String(ttl)),
                        ":delta": .n(
                            String(
                                delta.millitokens >= 0 ? delta.millitokens / 1000 : -((-delta.millitokens + 999) / 1000)
                            )),
                        ":one": .n("1"),
                    ]))
        }
    }
}
