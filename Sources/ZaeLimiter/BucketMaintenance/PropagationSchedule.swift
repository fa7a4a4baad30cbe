/// The schedule questions shard_count propagation asks of a stored compact schedule, through
/// the `Schedule` API: decode it as `_decode_schedule` / `_decode_reset_schedule` do (an error
/// reported as text, not thrown), the capacity in force (`effective_params`), and the latest
/// reset edge (`prev_reset_edge`).
struct PropagationSchedule {
    /// No schedule: the base parameters always, no reset edge.
    static let none = PropagationSchedule(schedule: .empty)

    let schedule: Schedule

    var isEmpty: Bool { schedule.isEmpty }

    /// An instant or a product the schedule code cannot evaluate (outside its supported
    /// years, or beyond `Int128`): the record is dropped, as a Python exception drops it.
    struct EvaluationFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// `_decode_schedule(compact, tz)`: nil or empty is no schedule.
    static func decode(_ compact: String?, timeZone: String) -> (PropagationSchedule, String?) {
        decode(compact, timeZone: timeZone, reset: false)
    }

    /// `_decode_reset_schedule(compact, tz)`.
    static func decodeReset(_ compact: String?, timeZone: String) -> (PropagationSchedule, String?) {
        decode(compact, timeZone: timeZone, reset: true)
    }

    private static func decode(_ compact: String?, timeZone: String, reset: Bool) -> (PropagationSchedule, String?) {
        guard let compact, !compact.isEmpty else { return (.none, nil) }
        do {
            let schedule =
                reset
                ? try Schedule.decodeReset(compact, timeZone: timeZone)
                : try Schedule.decode(compact, timeZone: timeZone)
            return (PropagationSchedule(schedule: schedule), nil)
        } catch {
            return (.none, "\(compact) (\(timeZone)): \(error)")
        }
    }

    /// `effective_params(cp, ra, rp, sched, now)[0]`.
    func effectiveCapacity(capacity: Int, refillAmount: Int, refillPeriod: Int, now: Int) throws -> Int {
        if schedule.isEmpty { return capacity }
        let parameters = try schedule.effectiveParameters(
            capacity: Int128(capacity), refillAmount: Int128(refillAmount), refillPeriod: Int128(refillPeriod),
            atMilliseconds: Int64(now))
        guard let result = Int(exactly: parameters.capacity) else {
            throw EvaluationFailed(description: "scheduled capacity \(parameters.capacity) is beyond 64 bits")
        }
        return result
    }

    /// `prev_reset_edge(sched, now)`.
    func previousResetEdge(now: Int) throws -> Int? {
        if schedule.isEmpty { return nil }
        return try schedule.previousResetEdge(atMilliseconds: Int64(now)).map { Int($0) }
    }
}
