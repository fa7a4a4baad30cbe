/// One of the Lambda's duties besides the usage snapshots (bucket refill, proactive shard
/// doubling, shard_count propagation, audit archival) as the status socket reports it: whether
/// the configuration in force runs it, and its counters since the worker started.
///
/// The daemon reads the counters from the same metric families the Prometheus page shows
/// (`zael_duty_*_total{duty}`, `zael_audit_*_total`), so `status` and a scrape never disagree.
public struct DutyStatus: Codable, Sendable, Equatable {
    /// The duty's name, as in the `duty` label of its metrics (`refill`, `proactive_shard`,
    /// `shard_count_propagation`, `audit_archival`).
    public var duty: String
    /// Whether the configuration in force runs the duty (a reload can change it).
    public var enabled: Bool
    /// Writes that landed: conditional item writes for the bucket duties, archived audit events
    /// for audit archival.
    public var written: Int64
    /// Writes refused by their condition: someone else (a client, another worker) moved first,
    /// so the work was not needed. Audit archival has no conditions: always 0.
    public var skippedByCondition: Int64
    /// Errors returned to the engine (its batch is delivered again), and records the duty had
    /// to drop because they can never be read.
    public var errors: Int64
    /// Work left alone for a reason worth watching, by reason (`schedule_error`,
    /// `malformed_record`, `window_ended`, audit records without an action, …); empty when none.
    public var skipped: [String: Int64]

    public init(
        duty: String, enabled: Bool, written: Int64 = 0, skippedByCondition: Int64 = 0, errors: Int64 = 0,
        skipped: [String: Int64] = [:]
    ) {
        self.duty = duty
        self.enabled = enabled
        self.written = written
        self.skippedByCondition = skippedByCondition
        self.errors = errors
        self.skipped = skipped
    }

    /// `reason count, …` in reason order, or `-` when nothing was skipped.
    var skippedText: String {
        let reasons = skipped.filter { $0.value != 0 }.sorted { $0.key < $1.key }
        return reasons.isEmpty ? "-" : reasons.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }
}
