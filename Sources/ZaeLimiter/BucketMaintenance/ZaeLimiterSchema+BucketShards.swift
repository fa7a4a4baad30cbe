import AWSDynamoDB

/// Keys and conditions of the pre-shard bucket items that bucket maintenance writes, as
/// `zae_limiter/schema.py` builds them (byte-identical strings).
extension ZaeLimiterSchema {
    /// Sort key of an entity's metadata item (`PK={ns}/ENTITY#{entity}`).
    public static let metaSortKey = "#META"
    /// Sentinel of a per-limit `sched` / `rsched` override meaning "declares none; do not inherit".
    public static let scheduleNone = "-"
    /// The incarnation an entity written before incarnations existed reads as.
    public static let legacyIncarnation = "-"
    /// Most shards a bucket may be split into (`MAX_SHARD_COUNT`).
    public static let maxShardCount = 32

    /// `{ns}/BUCKET#{entity}#{resource}#{shard}` (`pk_bucket`).
    public static func bucketPartitionKey(namespace: String, entity: String, resource: String, shard: Int) -> String {
        "\(namespace)/\(bucketPrefix)\(entity)#\(resource)#\(shard)"
    }

    /// The key of a new-layout bucket item: its partition key and `SK=#STATE`.
    public static func bucketStateKey(namespace: String, entity: String, resource: String, shard: Int) -> Item {
        [
            "PK": .s(bucketPartitionKey(namespace: namespace, entity: entity, resource: resource, shard: shard)),
            "SK": .s(bucketStateSortKey),
        ]
    }

    /// `BUCKET#{entity}#{shard}` (`gsi2_sk_bucket`).
    public static func bucketIndex2SortKey(entity: String, shard: Int) -> String { "BUCKET#\(entity)#\(shard)" }

    /// `BUCKET#{resource}#{shard}` (`gsi3_sk_bucket`).
    public static func bucketIndex3SortKey(resource: String, shard: Int) -> String {
        "\(bucketPrefix)\(resource)#\(shard)"
    }

    /// `BUCKET#{entity}#{resource}#{shard}` (`gsi4_sk_bucket`).
    public static func bucketIndex4SortKey(entity: String, resource: String, shard: Int) -> String {
        "\(bucketPrefix)\(entity)#\(resource)#\(shard)"
    }

    /// The condition a bucket create pins on its owner's META item (`owner_meta_condition`,
    /// ADR-150), with only the placeholders it uses. `exists` true asserts META exists, false
    /// that it does not, nil says nothing of it; `pgen` / `pinc` nil assert that none is stamped,
    /// else that the stamp is unchanged (`pgen` 0 also accepts none; `pinc` also matches
    /// `created_at`, and the legacy incarnation a missing `created_at`).
    public static func ownerMetaCondition(exists: Bool?, parentGeneration pgen: Int?, incarnation pinc: String?)
        -> ExpressionParts
    {
        if exists == false { return ExpressionParts(conditionExpression: "attribute_not_exists(PK)") }
        var parts: [String] = []
        var names: [String: String] = [:]
        var values: Item = [:]
        if exists == true { parts.append("attribute_exists(PK)") }
        names["#opg"] = "pgen"
        if let pgen {
            values[":opg"] = .n(String(pgen))
            parts.append(pgen == 0 ? "(attribute_not_exists(#opg) OR #opg = :opg)" : "#opg = :opg")
        } else {
            parts.append("attribute_not_exists(#opg)")
        }
        names["#opi"] = "pinc"
        if let pinc {
            names["#oca"] = "created_at"
            values[":opi"] = .s(pinc)
            var created = "#oca = :opi"
            if pinc == legacyIncarnation { created = "(\(created) OR attribute_not_exists(#oca))" }
            parts.append("(#opi = :opi OR (attribute_not_exists(#opi) AND \(created)))")
        } else {
            parts.append("attribute_not_exists(#opi)")
        }
        return ExpressionParts(conditionExpression: parts.joined(separator: " AND "), names: names, values: values)
    }
}
