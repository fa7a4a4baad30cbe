/// A stored schedule (`sched` / `rsched` and their per-limit overrides) as bucket maintenance
/// reads it: a `Schedule`, decoded once per record, asked for the parameters in force, the last
/// reset edge and the next boundary at the batch's `now`.
///
/// An empty schedule (no attribute, an empty string, the `-` override) is `none`: parameters
/// pass through unchanged and there are no edges, as an empty entry tuple behaves in the
/// reference.
struct MaintenanceSchedule {
    /// Why a stored schedule did not decode.
    enum DecodeFailure: Error {
        /// Python's `ValueError` (or a value beyond what this build computes): the bucket's
        /// `sched_error`, so refill leaves the bucket alone.
        case invalid(String)
        /// Any other exception in Python: the whole record is skipped.
        case unreadable(String)
    }

    /// The empty schedule.
    static let none = MaintenanceSchedule(schedule: .empty)

    let schedule: Schedule

    /// Whether the schedule has no entries (the reference's falsy tuple).
    var isEmpty: Bool { schedule.isEmpty }

    /// `schedule.decode(compact, tz)`, or `decode_reset` when `reset`.
    static func decode(_ compact: String, timeZone: String, reset: Bool) -> Result<MaintenanceSchedule, DecodeFailure> {
        do {
            let schedule =
                reset
                ? try Schedule.decodeReset(compact, timeZone: timeZone)
                : try Schedule.decode(compact, timeZone: timeZone)
            return .success(MaintenanceSchedule(schedule: schedule))
        } catch {
            switch error.kind {
            case .unreadable: return .failure(.unreadable(error.message))
            case .invalid, .outOfRange: return .failure(.invalid(error.message))
            }
        }
    }

    /// `effective_params(cp, ra, rp, sched, now)`.
    func effectiveParameters(
        capacity: Int128, refillAmount: Int128, refillPeriod: Int128, now: Int128
    ) throws(ScheduleError) -> (capacity: Int128, refillAmount: Int128, refillPeriod: Int128) {
        if schedule.isEmpty { return (capacity, refillAmount, refillPeriod) }
        let parameters = try schedule.effectiveParameters(
            capacity: capacity, refillAmount: refillAmount, refillPeriod: refillPeriod,
            atMilliseconds: try Self.instant(now))
        return (parameters.capacity, parameters.refillAmount, parameters.refillPeriod)
    }

    /// `prev_reset_edge(reset_sched, now)`: the latest reset edge at or before `now`.
    func previousResetEdge(now: Int128) throws(ScheduleError) -> Int128? {
        try schedule.previousResetEdge(atMilliseconds: try Self.instant(now)).map { Int128($0) }
    }

    /// `next_boundary(sched, reset, now_ms=now)`.
    static func nextBoundary(
        schedule: MaintenanceSchedule, reset: MaintenanceSchedule, now: Int128
    ) throws(ScheduleError) -> Int128? {
        try Schedule.nextBoundary(schedule: schedule.schedule, reset: reset.schedule, atMilliseconds: try instant(now))
            .map { Int128($0) }
    }

    private static func instant(_ now: Int128) throws(ScheduleError) -> Int64 {
        guard let instant = Int64(exactly: now) else { throw ScheduleError(.outOfRange, "instant \(now)") }
        return instant
    }
}
