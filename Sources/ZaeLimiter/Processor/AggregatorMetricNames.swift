import AWSCore

/// The metrics the aggregator emits, each declared once with its kind, labels and HELP text.
/// Records processed are counted by the engine, not here, so they are not counted twice.
public enum AggregatorMetricNames {
    /// Counter: snapshot items written (one UpdateItem or one transaction action each).
    public static let snapshotWrites = "zael_snapshot_writes_total"
    /// Floating-point counter: capacity units the service reported for snapshot writes.
    public static let consumedWriteCapacity = "zael_consumed_write_capacity_total"
    /// Counter: UpdateItem, TransactWriteItems and lone checkpoint calls.
    public static let writeRequests = "zael_write_requests_total"
    /// Counter: TransactWriteItems committed (exactly-once delivery).
    public static let transactions = "zael_transactions_total"
    /// Counter: transactions resent after a TransactionConflict.
    public static let transactionConflicts = "zael_transaction_conflicts_total"
    /// Counter {reason}: stream records rejected (sent to the spool, never dropped).
    public static let rejectedRecords = "zael_rejected_records_total"

    /// Label key of ``rejectedRecords``.
    public static let reasonLabel = "reason"

    /// Every metric above, declared once.
    public static let catalogue: [MetricDescriptor] = [
        MetricDescriptor(snapshotWrites, .counter, help: "Usage snapshot item writes."),
        MetricDescriptor(consumedWriteCapacity, .counter, help: "Write capacity units consumed by snapshot writes."),
        MetricDescriptor(writeRequests, .counter, help: "Write API calls made by the aggregator."),
        MetricDescriptor(transactions, .counter, help: "Snapshot transactions committed."),
        MetricDescriptor(transactionConflicts, .counter, help: "Snapshot transactions resent after a conflict."),
        MetricDescriptor(
            rejectedRecords, .counter, labels: [reasonLabel],
            help: "Stream records rejected by the aggregator, by reason."),
    ]
}
