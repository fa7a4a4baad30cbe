import Observability
import ZaeLimiter

/// The status socket's per-duty counters, read from the metric families the duties write (the
/// Prometheus page's), so `zael-aggregator status` and a scrape never disagree.
///
/// Bucket duties: `zael_duty_writes_total`, `zael_duty_condition_failures_total`,
/// `zael_duty_errors_total` and `zael_duty_skips_total{reason}`, by their `duty` label. Audit
/// archival: archived events are its writes, `zael_audit_archive_errors_total` (all classes) its
/// errors, `zael_audit_events_skipped_total{reason}` its skips; it has no conditional writes.
struct DutyTotals: Equatable {
    /// Counters per duty name.
    private(set) var counters: [String: DutyStatus] = [:]

    /// The duties in the Lambda's order (refill, proactive doubling, propagation, archival).
    static let order = [
        BucketRefillDuty.dutyName, ProactiveShardDuty.dutyName, ShardCountPropagationDuty.dutyName,
        AuditArchivalDuty.dutyName,
    ]

    init(_ families: [MetricFamilySnapshot]) {
        let audit = AuditArchivalDuty.dutyName
        for family in families {
            for series in family.series {
                guard case .counter(let value, _) = series.value else { continue }
                switch family.name {
                case MaintenanceMetricNames.writes:
                    add(series, value) { $0.written += $1 }
                case MaintenanceMetricNames.conditionFailures:
                    add(series, value) { $0.skippedByCondition += $1 }
                case MaintenanceMetricNames.errors:
                    add(series, value) { $0.errors += $1 }
                case MaintenanceMetricNames.skips:
                    let reason = series.label(MaintenanceMetricNames.reasonLabel) ?? "other"
                    add(series, value) { $0.skipped[reason, default: 0] += $1 }
                case AuditArchivalMetricNames.eventsArchived:
                    add(audit, value) { $0.written += $1 }
                case AuditArchivalMetricNames.errors:
                    add(audit, value) { $0.errors += $1 }
                case AuditArchivalMetricNames.skippedEvents:
                    let reason = series.label(AuditArchivalMetricNames.reasonLabel) ?? "other"
                    add(audit, value) { $0.skipped[reason, default: 0] += $1 }
                default:
                    break
                }
            }
        }
    }

    /// One row per known duty in the Lambda's order, `enabled` as `isEnabled` says, then any
    /// other duty the metrics name (a newer duty this list does not know yet), by name.
    func statuses(isEnabled: (String) -> Bool) -> [DutyStatus] {
        let others = counters.keys.filter { !Self.order.contains($0) }.sorted()
        return (Self.order + others).map { name in
            var status = counters[name] ?? DutyStatus(duty: name, enabled: false)
            status.enabled = isEnabled(name)
            return status
        }
    }

    private mutating func add(
        _ series: MetricSeriesSnapshot, _ value: Int64, _ apply: (inout DutyStatus, Int64) -> Void
    ) {
        guard let duty = series.label(MaintenanceMetricNames.dutyLabel) else { return }
        add(duty, value, apply)
    }

    private mutating func add(_ duty: String, _ value: Int64, _ apply: (inout DutyStatus, Int64) -> Void) {
        apply(&counters[duty, default: DutyStatus(duty: duty, enabled: false)], value)
    }
}
