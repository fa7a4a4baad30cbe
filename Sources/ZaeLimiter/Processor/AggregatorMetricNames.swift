/// The metric names the aggregator emits.
///
/// They are the daemon's documented names (Observability's `MetricNames`, docs/operations.md),
/// spelled again here because this target does not depend on Observability; a test of the
/// daemon compares the two and fails when they drift. Records processed are counted by the
/// engine, not here, so they are not counted twice.
public enum AggregatorMetricNames {
    /// Counter: snapshot items written (one UpdateItem or one transaction action each).
    public static let snapshotWrites = "zael_snapshot_writes_total"
    /// Floating-point counter: capacity units the service reported for snapshot writes.
    public static let consumedWriteCapacity = "zael_consumed_write_capacity_total"
    /// Counter: UpdateItem, TransactWriteItems and lone checkpoint calls.
    public static let writeRequests = "zael_write_requests_total"
    public static let transactions = "zael_transactions_total"
    public static let transactionConflicts = "zael_transaction_conflicts_total"
    /// Counter {reason}.
    public static let rejectedRecords = "zael_rejected_records_total"

    /// Label key of ``rejectedRecords``.
    public static let reasonLabel = "reason"

    /// Every name above.
    public static let all: [String] = [
        snapshotWrites, consumedWriteCapacity, writeRequests, transactions, transactionConflicts, rejectedRecords,
    ]
}
