import AWSDynamoDB
import Logging

/// Reads the zae-limiter version record at start and refuses a schema this build does not know.
///
/// zae-limiter itself treats a differing schema *major* as incompatible
/// (`version.check_compatibility`); usage snapshots have had the same layout throughout schema
/// 0.x, so any 0.x schema is accepted and a newer minor than 0.10 is logged as a warning.
public struct SchemaVersionCheck: Sendable {
    /// Schema majors this build can write snapshots for.
    public static let supportedMajors: [Int] = [0]
    /// The schema zae-limiter 0.17.0 writes, against which this build was verified.
    public static let verifiedVersion = "0.10.0"

    public var tableName: String
    /// Skip the refusal (log only): `aggregation.allow_unknown_schema`.
    public var override: Bool

    public init(tableName: String, override: Bool = false) {
        self.tableName = tableName
        self.override = override
    }

    /// Reads the record (consistent read) and returns the schema version found (nil when the
    /// record is missing and `override` is set). Throws `ZaeLimiterError` on a refusal,
    /// `AWSError` when the read fails.
    @discardableResult
    public func run(client: DynamoDBAPI, logger: Logger) throws -> String? {
        let item = try client.getItem(
            GetItemInput(
                tableName: tableName,
                key: ["PK": .s(ZaeLimiterSchema.versionPartitionKey), "SK": .s(ZaeLimiterSchema.versionSortKey)],
                consistentRead: true))
        guard let item else {
            if override {
                logger.warning(
                    "no zae-limiter version record; continuing (override)", metadata: ["table": "\(tableName)"])
                return nil
            }
            throw ZaeLimiterError.missingVersionRecord(table: tableName)
        }
        let found = item[ZaeLimiterSchema.schemaVersionAttribute]?.s ?? "unknown"
        try evaluate(found, logger: logger)
        return found
    }

    /// The decision on a version string, without I/O.
    public func evaluate(_ version: String, logger: Logger) throws {
        let parts = version.split(separator: ".").map { Int($0) }
        let supported = Self.supportedMajors.map { "\($0).x" }
        guard let major = parts.first ?? nil, Self.supportedMajors.contains(major) else {
            if override {
                logger.warning(
                    "unsupported zae-limiter schema; continuing (override)",
                    metadata: ["table": "\(tableName)", "schema.version": "\(version)"])
                return
            }
            throw ZaeLimiterError.unsupportedSchema(table: tableName, found: version, supported: supported)
        }
        let verified = Self.verifiedVersion.split(separator: ".").compactMap { Int($0) }
        if parts.count >= 2, let minor = parts[1], minor > verified[1] {
            logger.warning(
                "zae-limiter schema is newer than the verified \(Self.verifiedVersion)",
                metadata: ["table": "\(tableName)", "schema.version": "\(version)"])
        }
    }
}
