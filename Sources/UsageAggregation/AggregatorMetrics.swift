import Metrics

/// The aggregator's counters, made through an injected factory (bounded dimensions only).
struct AggregatorMetrics {
    let factory: MetricsFactory
    let records: Counter
    let snapshotWrites: Counter
    let writeRequests: Counter
    let transactions: Counter
    let transactionConflicts: Counter

    init(factory: MetricsFactory) {
        self.factory = factory
        records = Counter(label: "zael_aggregation_records_total", factory: factory)
        snapshotWrites = Counter(label: "zael_aggregation_snapshot_writes_total", factory: factory)
        writeRequests = Counter(label: "zael_aggregation_write_requests_total", factory: factory)
        transactions = Counter(label: "zael_aggregation_transactions_total", factory: factory)
        transactionConflicts = Counter(label: "zael_aggregation_transaction_conflicts_total", factory: factory)
    }

    func rejected(_ reason: RejectionReason) {
        Counter(
            label: "zael_aggregation_rejected_records_total", dimensions: [("reason", reason.metricLabel)],
            factory: factory
        ).increment()
    }
}
