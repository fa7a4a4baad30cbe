/// One limit of a bucket item as the refill reads it (the reference's `LimitRefillInfo`):
/// `tcDelta` summed over the batch, everything else from the last NewImage. Milli-units and
/// epoch milliseconds; Python integers held as `Int128`.
struct BucketLimitState {
    /// Sum of `b_{name}_tc` new − old over the batch's records.
    var consumedDelta: Int128
    /// `b_{name}_tk`, `cp`, `ra`, `rp` (0 when absent).
    var tokens: Int128
    var capacity: Int128
    var refillAmount: Int128
    var refillPeriod: Int128
    /// The schedule and reset schedule in force for this limit (overrides resolved).
    var schedule: MaintenanceSchedule
    var resetSchedule: MaintenanceSchedule
    /// `b_{name}_ws`, `rsa` (seconds), `wa`, `wtc`, `gc`, `tu` when present.
    var windowStart: Int128?
    var resetAfterSeconds: Int128?
    var windowApplied: Int128?
    /// `b_{name}_tc` itself, as of the last image.
    var consumed: Int128?
    var windowConsumedMark: Int128?
    var grantCount: Int128?
    var toppedUp: Int128?

    /// `(ws, rsa)` when a duration window is in force (`_window_in_force`): not `wcu`, `rsa`
    /// present, no reset schedule.
    func windowInForce(limitName: String) -> (start: Int128?, lengthSeconds: Int128)? {
        guard limitName != ZaeLimiterSchema.wcuLimitName, let rsa = resetAfterSeconds, resetSchedule.isEmpty else {
            return nil
        }
        return (windowStart, rsa)
    }

    /// The window start this balance reflects (`_window_applied`): `wa`, else the item's `rf`.
    func windowAppliedMark(refilledAt: Int128) -> Int128 { windowApplied ?? refilledAt }
}
