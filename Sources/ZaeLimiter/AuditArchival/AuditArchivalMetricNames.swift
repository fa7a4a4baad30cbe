import AWSCore

/// The metrics audit archival emits, each declared once with its kind, labels and HELP text.
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

    /// Every metric above, declared once.
    public static let catalogue: [MetricDescriptor] = [
        MetricDescriptor(eventsArchived, .counter, help: "Audit events written to S3 archive objects."),
        MetricDescriptor(objectsWritten, .counter, help: "Audit archive objects written to S3."),
        MetricDescriptor(bytesWritten, .counter, help: "Compressed bytes of audit archive objects written to S3."),
        MetricDescriptor(
            skippedEvents, .counter, labels: [reasonLabel],
            help: "Audit records that could not be archived, by reason."),
        MetricDescriptor(
            errors, .counter, labels: [classLabel],
            help: "Audit archive writes that failed after retries, by error class."),
    ]
}
