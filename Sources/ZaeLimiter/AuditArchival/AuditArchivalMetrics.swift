import AWSCore
import Metrics

/// The metric names audit archival emits; the daemon's catalogue (Observability's
/// `MetricNames`) spells them again and a test compares the two.
public enum AuditArchivalMetricNames {
    /// Counter: audit events written to archive objects (a replayed object counts again).
    public static let eventsArchived = "zael_audit_events_archived_total"
    /// Counter: archive objects written (PutObject calls that succeeded).
    public static let objectsWritten = "zael_audit_objects_written_total"
    /// Counter: compressed bytes written in archive objects.
    public static let bytesWritten = "zael_audit_bytes_written_total"
    /// Counter {reason}: audit records that could not be archived (no action, a malformed value).
    public static let skippedEvents = "zael_audit_events_skipped_total"
    /// Counter {class}: archive writes that failed after the client's retries, by error class
    /// (`AWSError.metricLabel`).
    public static let errors = "zael_audit_archive_errors_total"

    public static let reasonLabel = "reason"
    public static let classLabel = "class"

    public static let all: [String] = [eventsArchived, objectsWritten, bytesWritten, skippedEvents, errors]
}

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
