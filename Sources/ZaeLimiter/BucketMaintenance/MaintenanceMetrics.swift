import Metrics

/// The counters every bucket maintenance duty keeps, labelled with the duty's name (bounded
/// labels only: the duty and a fixed skip reason).
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

    /// Every name above.
    public static let all = [writes, conditionFailures, errors, skips]
}

/// One duty's counters.
struct MaintenanceMetrics {
    let duty: String
    let factory: MetricsFactory
    let writes: Counter
    let conditionFailures: Counter
    let errors: Counter

    init(duty: String, factory: MetricsFactory) {
        typealias Names = MaintenanceMetricNames
        self.duty = duty
        self.factory = factory
        let dimensions = [(Names.dutyLabel, duty)]
        writes = Counter(label: Names.writes, dimensions: dimensions, factory: factory)
        conditionFailures = Counter(label: Names.conditionFailures, dimensions: dimensions, factory: factory)
        errors = Counter(label: Names.errors, dimensions: dimensions, factory: factory)
    }

    func skipped(_ reason: String) {
        Counter(
            label: MaintenanceMetricNames.skips,
            dimensions: [(MaintenanceMetricNames.dutyLabel, duty), (MaintenanceMetricNames.reasonLabel, reason)],
            factory: factory
        ).increment()
    }
}
