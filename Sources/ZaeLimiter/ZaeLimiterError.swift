/// The errors of the ZaeLimiter module (everything this daemon knows about zae-limiter).
public enum ZaeLimiterError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The table's version record names a schema this build does not know.
    case unsupportedSchema(table: String, found: String, supported: [String])
    /// The table has no `_/SYSTEM#` / `#VERSION` record (not a zae-limiter table, or never
    /// initialised).
    case missingVersionRecord(table: String)
    /// The configuration cannot work (e.g. no window).
    case invalidConfiguration(String)

    public var isRetryable: Bool { false }

    public var metricLabel: String {
        switch self {
        case .unsupportedSchema: return "unsupported_schema"
        case .missingVersionRecord: return "missing_version_record"
        case .invalidConfiguration: return "invalid_configuration"
        }
    }

    public var description: String {
        switch self {
        case .unsupportedSchema(let table, let found, let supported):
            return "table \(table) has zae-limiter schema \(found); this build supports schema "
                + supported.joined(separator: ", ")
                + " (set aggregation.allow_unknown_schema to override at your own risk)"
        case .missingVersionRecord(let table):
            return "table \(table) has no zae-limiter version record (PK=_/SYSTEM#, SK=#VERSION); "
                + "set aggregation.allow_unknown_schema to override"
        case .invalidConfiguration(let message): return "invalid aggregation configuration: \(message)"
        }
    }
}
