import AWSCore

/// The counters every bucket maintenance duty keeps, labelled with the duty's name (bounded
/// labels only: the duty and a fixed skip reason), each declared once.
public enum MaintenanceMetricNames {
    /// Counter {duty}: conditional writes that landed.
    public static let writes = "zael_duty_writes_total"
    /// Counter {duty}: writes refused by their condition (someone else moved first).
    public static let conditionFailures = "zael_duty_condition_failures_total"
    /// Counter {duty}: errors thrown back to the engine (the batch is delivered again).
    public static let errors = "zael_duty_errors_total"
    /// Counter {duty, reason}: buckets left alone for a reason an operator may care about
    /// (`schedule_error`, `malformed_record`, `invalid_item`, `window_ended`).
    public static let skips = "zael_duty_skips_total"
    /// Label keys.
    public static let dutyLabel = "duty"
    public static let reasonLabel = "reason"

    /// Every metric above, declared once.
    public static let catalogue: [MetricDescriptor] = [
        MetricDescriptor(
            writes, .counter, labels: [dutyLabel],
            help: "Conditional writes of the bucket maintenance duties, by duty."),
        MetricDescriptor(
            conditionFailures, .counter, labels: [dutyLabel],
            help: "Duty writes refused by their condition (someone else moved first), by duty."),
        MetricDescriptor(
            errors, .counter, labels: [dutyLabel], help: "Duty errors returned to the engine for redelivery, by duty."),
        MetricDescriptor(
            skips, .counter, labels: [dutyLabel, reasonLabel], help: "Buckets a duty left alone, by duty and reason."),
    ]
}
