import Foundation

/// Renders a ``StatusSnapshot`` for humans (a fixed-width table) or machines (JSON).
public enum StatusRenderer {
    /// The header, one row per shard, the totals and the configuration in force.
    public static func table(_ snapshot: StatusSnapshot) -> String {
        let clean = TextTable.clean
        var out = "worker \(clean(snapshot.workerId)) on \(clean(snapshot.host)), version \(clean(snapshot.version)), "
        out += "up \(duration(snapshot.uptimeSeconds)) (since \(timestamp(snapshot.startedAt)))\n"
        if let stream = snapshot.stream { out += "stream: \(clean(stream))\n" }
        out += "\n"

        var shards = TextTable(["SHARD", "STATE", "OWNER", "CHECKPOINT", "AGE", "REC/S", "RETRIES", "LAST ERROR"])
        for shard in snapshot.shards.sorted(by: { $0.shardId < $1.shardId }) {
            shards.add([
                clean(shard.shardId), clean(shard.state.rawValue), clean(shard.owner ?? "-"),
                clean(shard.checkpoint ?? "-"),
                shard.iteratorAgeSeconds.map(duration) ?? "-", rate(shard.recordsPerSecond), String(shard.retries),
                shard.lastError.map { error in
                    (shard.lastErrorAgeSeconds.map { "\(duration($0)) ago: " } ?? "") + clean(error)
                } ?? "-",
            ])
        }
        out += snapshot.shards.isEmpty ? "no shards held\n" : shards.render()

        let totals = snapshot.totals
        out +=
            "\nTOTALS  leases \(totals.leasesOwned)  records \(totals.recordsProcessed) (\(rate(totals.recordsPerSecond))/s)"
        out += "  batches \(totals.batches)  snapshot writes \(totals.snapshotWrites)  errors \(totals.errors)"
        out += "  retries \(totals.retries)\n"

        if !snapshot.duties.isEmpty {
            out += "\n" + duties(snapshot.duties)
        }

        if !snapshot.config.isEmpty {
            out += "\nCONFIG\n"
            for entry in snapshot.config {
                out += "  \(clean(entry.key)) = \(clean(entry.value))\n"
            }
        }
        return out
    }

    /// One row per duty: on or off, then its counters since the worker started.
    static func duties(_ duties: [DutyStatus]) -> String {
        let clean = TextTable.clean
        var table = TextTable(["DUTY", "ENABLED", "WRITTEN", "CONDITION-SKIPPED", "ERRORS", "SKIPPED"])
        for duty in duties {
            table.add([
                clean(duty.duty), duty.enabled ? "yes" : "no", String(duty.written), String(duty.skippedByCondition),
                String(duty.errors), clean(duty.skippedText),
            ])
        }
        return table.render()
    }

    /// Pretty JSON with sorted keys, the same document the socket serves.
    public static func json(_ snapshot: StatusSnapshot) -> String {
        let data = (try? StatusSnapshot.encoder(pretty: true).encode(snapshot)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// `3d 4h`, `2h 5m`, `4m 12s`, `1.25s`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "-" }
        if seconds < 60 { return String(format: "%.2fs", seconds) }
        let total = Int(seconds)
        let (days, hours, minutes, secs) = (total / 86400, total % 86400 / 3600, total % 3600 / 60, total % 60)
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        return "\(minutes)m \(secs)s"
    }

    static func rate(_ value: Double) -> String {
        value.isFinite ? String(format: "%.1f", value) : "-"
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }
}
