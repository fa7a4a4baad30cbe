import Metrics

/// The aggregator's counters under ``AggregatorMetricNames``, made through an injected factory
/// (bounded dimensions only).
struct AggregatorMetrics {
    let factory: MetricsFactory
    let snapshotWrites: Counter
    let consumedWriteCapacity: FloatingPointCounter
    let writeRequests: Counter
    let transactions: Counter
    let transactionConflicts: Counter

    init(factory: MetricsFactory) {
        typealias Names = AggregatorMetricNames
        self.factory = factory
        snapshotWrites = Counter(label: Names.snapshotWrites, factory: factory)
        consumedWriteCapacity = FloatingPointCounter(label: Names.consumedWriteCapacity, factory: factory)
        writeRequests = Counter(label: Names.writeRequests, factory: factory)
        transactions = Counter(label: Names.transactions, factory: factory)
        transactionConflicts = Counter(label: Names.transactionConflicts, factory: factory)
    }

    func rejected(_ reason: RejectionReason) {
        Counter(
            label: AggregatorMetricNames.rejectedRecords,
            dimensions: [(AggregatorMetricNames.reasonLabel, reason.metricLabel)], factory: factory
        ).increment()
    }

    /// Adds capacity the service reported (nothing when it reported none).
    func consumed(_ capacity: Double?) {
        if let capacity, capacity.isFinite, capacity > 0 { consumedWriteCapacity.increment(by: capacity) }
    }
}
