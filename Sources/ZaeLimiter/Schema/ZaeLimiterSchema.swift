/// The zae-limiter 0.17.0 key layout (table schema 0.10.x) that the daemon's duties read and write.
///
/// Mirrors `zae_limiter/schema.py`; every builder here produces byte-identical strings.
public enum ZaeLimiterSchema {
    /// Prefix of a pre-shard bucket partition key: `{ns}/BUCKET#{entity}#{resource}#{shard}`.
    public static let bucketPrefix = "BUCKET#"
    /// Sort-key prefix of an old-format bucket: `PK={ns}/ENTITY#{entity}`, `SK=#BUCKET#{resource}`.
    public static let sortKeyBucketPrefix = "#BUCKET#"
    /// Sort key of a new-layout bucket item (`PK={ns}/BUCKET#{entity}#{resource}#{shard}`); the
    /// only bucket items the maintenance duties write to.
    public static let bucketStateSortKey = "#STATE"
    public static let entityPrefix = "ENTITY#"
    /// Partition-key prefix of an audit item after the namespace: `{ns}/AUDIT#{entity}`
    /// (`AUDIT#{entity}` before namespaces).
    public static let auditPrefix = "AUDIT#"
    public static let resourcePrefix = "RESOURCE#"
    public static let sortKeyUsagePrefix = "#USAGE#"
    /// Bucket attributes are `b_{limit}_{field}`.
    public static let bucketAttributePrefix = "b_"
    public static let fieldTotalConsumed = "tc"
    public static let fieldTokens = "tk"
    public static let fieldSoft = "soft"
    /// Suffix of the overdraw counter `{limit}#od` on a snapshot.
    public static let overdrawnCounterSuffix = "#od"
    /// The infrastructure limit that never reaches a snapshot.
    public static let wcuLimitName = "wcu"
    /// The reserved namespace of system records.
    public static let reservedNamespace = "_"
    /// Version record: `PK=_/SYSTEM#`, `SK=#VERSION`, attribute `schema_version` (S).
    public static let versionPartitionKey = "_/SYSTEM#"
    public static let versionSortKey = "#VERSION"
    public static let schemaVersionAttribute = "schema_version"

    /// Attribute names a snapshot update SETs or ADDs besides the limit counters. A limit of
    /// the same name would overlap them in one update expression (DynamoDB rejects it).
    public static let snapshotAttributeNames: Set<String> = [
        "PK", "SK", "entity_id", "resource", "window", "window_start", "GSI2PK", "GSI2SK", "GSI4PK", "GSI4SK",
        "ttl", "total_events",
    ]

    public static func bucketAttribute(_ limit: String, _ field: String) -> String {
        "\(bucketAttributePrefix)\(limit)_\(field)"
    }

    /// `{ns}/ENTITY#{entity}`: a snapshot's partition key and its GSI4SK.
    public static func entityPartitionKey(namespace: String, entity: String) -> String {
        .concatenating(namespace, "/", entityPrefix, entity)
    }

    /// `#USAGE#{resource}#{windowKey}`.
    public static func usageSortKey(resource: String, windowKey: String) -> String {
        .concatenating(sortKeyUsagePrefix, resource, "#", windowKey)
    }

    /// `{ns}/RESOURCE#{resource}`.
    public static func resourceIndexKey(namespace: String, resource: String) -> String {
        .concatenating(namespace, "/", resourcePrefix, resource)
    }

    /// `USAGE#{windowKey}#{entity}`.
    public static func usageIndexSortKey(windowKey: String, entity: String) -> String {
        .concatenating("USAGE#", windowKey, "#", entity)
    }
}
