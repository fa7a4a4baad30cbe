import AWSCore
import Metrics

/// The archival counters, made through an injected factory (bounded dimensions only).
struct AuditArchivalMetrics {
    let factory: MetricsFactory
    let eventsArchived: Counter
    let objectsWritten: Counter
    let bytesWritten: Counter

    init(factory: MetricsFactory) {
        typealias Names = AuditArchivalMetricNames
        self.factory = factory
        eventsArchived = Counter(label: Names.eventsArchived, factory: factory)
        objectsWritten = Counter(label: Names.objectsWritten, factory: factory)
        bytesWritten = Counter(label: Names.bytesWritten, factory: factory)
    }

    func skipped(reason: String) {
        Counter(
            label: AuditArchivalMetricNames.skippedEvents, dimensions: [(AuditArchivalMetricNames.reasonLabel, reason)],
            factory: factory
        ).increment()
    }

    func failed(_ error: any Error) {
        let kind = (error as? AWSError)?.metricLabel ?? "other"
        Counter(
            label: AuditArchivalMetricNames.errors, dimensions: [(AuditArchivalMetricNames.classLabel, kind)],
            factory: factory
        ).increment()
    }
}
