import Foundation
import Observability
import StreamConsumer
import ZaeLimiter

/// Builds what the daemon reports about itself: the status socket's snapshot and the one-line
/// `STATUS=` text systemd shows.
struct DaemonStatus: Sendable {
    let workerId: String
    /// Wall time of the start, shown to people.
    let startedAt: Date
    /// The same moment on the monotonic clock: uptime is measured from it, so a clock step does
    /// not change it.
    let started: ContinuousClock.Instant
    /// The daemon's metrics; the totals are read from them.
    let metrics: PrometheusMetricsFactory
    let host = ProcessInfo.processInfo.hostName

    /// - Parameters:
    ///   - status: the consumer's status; nil while no stream is consumed (waiting).
    ///   - note: the `StreamSupervisor`'s line (waiting, draining an old stream), nil otherwise.
    func snapshot(
        _ status: ConsumerStatus?, note: String?, configuration: AggregatorConfiguration
    ) -> StatusSnapshot {
        let shards = (status?.shards ?? []).map { shard in
            Observability.ShardStatus(
                shardId: shard.shardId, owner: shard.owner, state: ShardState(rawValue: shard.state),
                checkpoint: shard.checkpoint, iteratorAgeSeconds: shard.iteratorAge.map(\.seconds),
                recordsPerSecond: shard.recordsPerSecond, retries: Int64(shard.retries), lastError: shard.lastError,
                lastErrorAgeSeconds: shard.lastErrorAge.map(\.seconds))
        }
        let config = configuration.settings.map { entry in
            StatusSnapshot.ConfigEntry(
                key: entry.key, value: entry.value.map { SecretMasking.mask(key: entry.key, $0).tomlText } ?? "(unset)")
        }
        let families = metrics.snapshot()
        return StatusSnapshot(
            workerId: workerId, host: host, version: Version.current, startedAt: startedAt,
            uptimeSeconds: started.duration(to: .now).seconds, config: config, shards: shards,
            totals: Self.totals(MetricTotals(families), status: status),
            duties: Self.duties(DutyTotals(families), configuration: configuration),
            stream: Self.streamLine(status, note: note))
    }

    /// Every duty with its counters, on or off as the configuration in force says.
    static func duties(_ counted: DutyTotals, configuration: AggregatorConfiguration) -> [DutyStatus] {
        counted.statuses { duty in
            switch duty {
            case BucketRefillDuty.dutyName: return configuration.duties.refill
            case ProactiveShardDuty.dutyName: return configuration.duties.proactiveShard
            case ShardCountPropagationDuty.dutyName: return configuration.duties.propagateShardCount
            case AuditArchivalDuty.dutyName: return configuration.archival.bucket != nil
            default: return true
            }
        }
    }

    /// Counters from the metrics (what the Prometheus page shows), the live rate and lease count
    /// from the scheduler.
    static func totals(_ counted: MetricTotals, status: ConsumerStatus?) -> StatusSnapshot.Totals {
        let owned = status.map { status in status.shards.filter { $0.owner == status.workerId } } ?? []
        return StatusSnapshot.Totals(
            recordsProcessed: counted.recordsProcessed, recordsPerSecond: owned.reduce(0) { $0 + $1.recordsPerSecond },
            batches: counted.batches, snapshotWrites: counted.snapshotWrites, errors: counted.errors,
            retries: counted.retries, leasesOwned: status?.leasesOwned ?? 0)
    }

    /// The status socket's stream line: the supervisor's note (waiting, draining), else the
    /// stream consumed.
    static func streamLine(_ status: ConsumerStatus?, note: String?) -> String {
        note ?? status.map { "consuming \($0.streamArn)" } ?? "no stream"
    }

    /// `STATUS=`: the supervisor's note (waiting, draining an old stream) first, then the
    /// consumer's line when a stream is consumed.
    static func line(_ status: ConsumerStatus?, note: String?) -> String {
        switch (note, status) {
        case (let note?, let status?): return "\(note); \(line(status))"
        case (let note?, nil): return note
        case (nil, let status?): return line(status)
        case (nil, nil): return "no stream"
        }
    }

    /// "N shards owned, max iterator age X s, R rec/s, last error …" for `STATUS=`.
    static func line(_ status: ConsumerStatus) -> String {
        let owned = status.shards.filter { $0.owner == status.workerId }
        let maxAge = owned.compactMap(\.iteratorAge).max().map(\.seconds) ?? 0
        let rate = owned.reduce(0) { $0 + $1.recordsPerSecond }
        var text = "\(status.leasesOwned) shard\(status.leasesOwned == 1 ? "" : "s") owned"
        text += String(format: ", max iterator age %.1f s, %.1f rec/s", maxAge, rate)
        if status.spooledRecords > 0 { text += ", \(status.spooledRecords) spooled" }
        if status.leasesUnconfirmed > 0 {
            let count = status.leasesUnconfirmed
            text += ", \(count) lease\(count == 1 ? "" : "s") UNCONFIRMED (shard\(count == 1 ? "" : "s") paused)"
        }
        // Held-up shards first in importance: a halted shard needs an operator.
        for kind in [LaneCondition.Kind.halted, .throttled] {
            let held = owned.compactMap(\.condition).filter { $0.kind == kind }
            guard !held.isEmpty else { continue }
            let codes = Set(held.map(\.code)).sorted().joined(separator: "/")
            text += ", \(held.count) shard\(held.count == 1 ? "" : "s") \(kind.rawValue.uppercased()) (\(codes))"
        }
        // Only a recent error: one the shards recovered from long ago is not news.
        let recent = owned.compactMap { shard -> (age: Duration, text: String)? in
            guard let text = shard.lastError, let age = shard.lastErrorAge, age < recentError else { return nil }
            return (age, text)
        }
        if let error = recent.min(by: { $0.age < $1.age }) {
            text += ", last error \(Int(error.age.seconds)) s ago: \(error.text.prefix(160))"
        }
        return text
    }

    /// How long `STATUS=` keeps showing an error (the status socket always has it, with its age).
    static let recentError = Duration.seconds(600)
}
