import AWSDynamoDB

extension SnapshotUpdate {
    /// The UpdateItem the reference's `update_snapshot` would send, with summed counters.
    ///
    /// `ttl` is `now + ttlDays × 86400` (epoch seconds), set only if absent. No attribute beyond
    /// the reference's is written: zae-limiter reads every unknown number as a counter. For many
    /// items, one `UpdateItemBuilder` shares the work.
    public func updateItemInput(tableName: String, ttlEpochSeconds: Int64) -> UpdateItemInput {
        var builder = UpdateItemBuilder(tableName: tableName, ttlEpochSeconds: ttlEpochSeconds)
        return builder.input(for: self)
    }
}
