/// How snapshots are written and delivered.
public enum SnapshotDelivery: String, Sendable, CaseIterable {
    /// Snapshot updates and the lane checkpoint commit in one fenced transaction (default).
    case exactlyOnce = "exactly-once"
    /// UpdateItem per coalesced item, then the checkpoint: a crash in between re-applies.
    case atLeastOnce = "at-least-once"
}

/// The values the aggregator needs (the daemon's `aggregation` configuration section maps
/// onto this).
public struct UsageAggregationSettings: Sendable, Equatable {
    /// The zae-limiter table the snapshots go to (the one whose stream is read).
    public var tableName: String
    /// Window types, in the order the reference iterates them. Default `[hourly, daily]`, the
    /// Lambda's `SNAPSHOT_WINDOWS` default.
    public var windows: [UsageWindow]
    /// Snapshot `ttl` is now + this many days. Default 90.
    public var ttlDays: Int
    /// Default `.exactlyOnce`.
    public var delivery: SnapshotDelivery
    /// Actions per TransactWriteItems, checkpoint included. Default 100 (the service maximum).
    public var maxTransactionActions: Int
    /// Retries of a transaction cancelled by a TransactionConflict. Default 5.
    public var conflictRetries: Int
    /// First backoff of a conflict retry (full jitter, doubling). Default 50 ms.
    public var conflictBackoff: Duration

    public init(
        tableName: String, windows: [UsageWindow] = [.hourly, .daily], ttlDays: Int = 90,
        delivery: SnapshotDelivery = .exactlyOnce, maxTransactionActions: Int = 100, conflictRetries: Int = 5,
        conflictBackoff: Duration = .milliseconds(50)
    ) {
        self.tableName = tableName
        self.windows = windows
        self.ttlDays = ttlDays
        self.delivery = delivery
        self.maxTransactionActions = maxTransactionActions
        self.conflictRetries = conflictRetries
        self.conflictBackoff = conflictBackoff
    }

    /// Every problem at once, empty when the settings can work.
    public func problems() -> [String] {
        var found: [String] = []
        if tableName.isEmpty { found.append("table name is empty") }
        if windows.isEmpty { found.append("no snapshot window") }
        if ttlDays < 0 { found.append("ttl days is negative") }
        if maxTransactionActions < 2 || maxTransactionActions > 100 {
            found.append("max transaction actions must be 2...100")
        } else if maxTransactionActions - 1 < Set(windows).count {
            found.append("max transaction actions must leave one action per window besides the checkpoint")
        }
        if conflictRetries < 0 { found.append("conflict retries is negative") }
        return found
    }
}
