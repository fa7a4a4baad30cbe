/// A stored schedule (`sched` / `rsched` and their per-limit overrides) as bucket maintenance
/// reads it: decoded once per record, then asked for the parameters in force, the last reset
/// edge and the next boundary at the batch's `now`.
///
/// An empty schedule (no attribute, an empty string, the `-` override) is `none`: parameters
/// pass through unchanged and there are no edges, as an empty entry tuple behaves in the
/// reference.
struct MaintenanceSchedule {
    /// Why a stored schedule did not decode (the reference's `sched_error` text).
    struct DecodeFailure: Error, Equatable {
        var reason: String
    }

    /// The empty schedule.
    static let none = MaintenanceSchedule()

    /// Whether the schedule has no entries (the reference's falsy tuple).
    var isEmpty: Bool { true }

    private init() {}

    /// `schedule.decode(compact, tz)`, or `decode_reset` when `reset`. Until the schedule
    /// language is available every non-empty string fails, so such buckets are skipped.
    static func decode(_ compact: String, timeZone: String, reset: Bool) -> Result<MaintenanceSchedule, DecodeFailure> {
        if compact.isEmpty { return .success(.none) }
        return .failure(DecodeFailure(reason: "schedule language not available"))
    }

    /// `effective_params(cp, ra, rp, sched, now)`.
    func effectiveParameters(
        capacity: Int128, refillAmount: Int128, refillPeriod: Int128, now: Int128
    ) -> (capacity: Int128, refillAmount: Int128, refillPeriod: Int128) {
        (capacity, refillAmount, refillPeriod)
    }

    /// `prev_reset_edge(reset_sched, now)`: the latest reset edge at or before `now`.
    func previousResetEdge(now: Int128) -> Int128? { nil }

    /// `next_boundary(sched, reset, now_ms=now)`.
    static func nextBoundary(schedule: MaintenanceSchedule, reset: MaintenanceSchedule, now: Int128) -> Int128? {
        nil
    }
}
