/// Running totals of one aggregator (one lane), read on the lane's thread.
public struct UsageAggregatorStatistics: Sendable, Equatable {
    public var records = 0
    public var deltas = 0
    public var ignoredRecords = 0
    public var rejectedRecords = 0
    /// Snapshot items written (one UpdateItem or one transaction action each).
    public var snapshotWrites = 0
    /// Write API calls: UpdateItem, TransactWriteItems and standalone checkpoints.
    public var writeRequests = 0
    public var transactions = 0
    public var transactionConflicts = 0
    /// Capacity units the service reported (DynamoDB reports them only when asked).
    public var consumedCapacity = 0.0
    public init() {}
}
