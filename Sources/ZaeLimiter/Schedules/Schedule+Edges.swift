extension Schedule {
    /// `prev_reset_edge(reset_sched, now_ms)`: the latest reset edge (the first minute of a
    /// matching stretch) at or before `now`, across all entries; nil when no entry has one within
    /// its scan horizon (or the schedule is empty). Throws ``ScheduleError/Kind/outOfRange``
    /// where zae-limiter 0.17.0's backward scan never terminates (see `ScheduleScan.latest`).
    public func previousResetEdge(atMilliseconds now: Int64) throws(ScheduleError) -> Int64? {
        guard let zone = timeZone else { return nil }
        try Self.checkInstant(now)
        let scan = ScheduleScan(self, zone)
        var latest: Int64?
        for entry in entries {
            if let edge = try scan.previousRisingEdge(entry.cron, now) { latest = max(latest ?? edge, edge) }
        }
        return latest
    }

    /// `next_reset_edge(reset_sched, now_ms=now)`: the first reset edge strictly after `now`
    /// across all entries, or nil when none is within reach.
    public func nextResetEdge(atMilliseconds now: Int64) throws(ScheduleError) -> Int64? {
        guard let zone = timeZone else { return nil }
        try Self.checkInstant(now)
        let scan = ScheduleScan(self, zone)
        return entries.compactMap { scan.nextRisingEdge($0.cron, now).edge }.min()
    }

    /// `next_boundary(sched, reset_sched, now_ms=now)`: the earliest instant after `now` at
    /// which a bucket carrying these schedules must be re-materialised (the active parameter
    /// entry changes, or a reset edge fires; each capped at its scan horizon). Nil only when
    /// both schedules are empty.
    public static func nextBoundary(
        schedule: Schedule, reset: Schedule, atMilliseconds now: Int64
    ) throws(ScheduleError) -> Int64? {
        var candidates: [Int64] = []
        if let zone = schedule.timeZone {
            try checkInstant(now)
            candidates.append(ScheduleScan(schedule, zone).nextParameterChange(now))
        }
        if let zone = reset.timeZone {
            try checkInstant(now)
            let scan = ScheduleScan(reset, zone)
            candidates += reset.entries.map { entry in
                let (edge, cap) = scan.nextRisingEdge(entry.cron, now)
                return edge ?? now + cap
            }
        }
        return candidates.min()
    }
}
