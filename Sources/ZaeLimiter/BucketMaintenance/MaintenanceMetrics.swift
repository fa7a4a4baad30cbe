import Metrics

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
