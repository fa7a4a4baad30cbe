/// `try_refill_bucket` up to the request: decides whether a bucket gets its one conditional
/// refill write in this batch and builds that write exactly as zae-limiter 0.17.0 does (the
/// limit loop here, the request's assembly in `RefillPlanner+Request.swift`).
struct RefillPlanner {
    /// Why a bucket gets no refill write.
    enum Skip: String, Error {
        /// A stored schedule did not decode: refilling at the base rate could undo a scale-down.
        case scheduleError = "schedule_error"
        /// A duration window not yet applied has already ended; the client opens the next.
        case windowEnded = "window_ended"
        /// No limit needs a delta.
        case sufficientTokens = "sufficient_tokens"
        /// A `shard_count` of 0 or a refill period of 0 where the reference divides by it (it
        /// raises there and drops the bucket).
        case invalidItem = "invalid_item"
        /// A schedule could not be evaluated at `now` (beyond what this build computes).
        case scheduleUnevaluable = "schedule_unevaluable"
    }

    let state: BucketState
    let now: Int128

    // The request as the limit loop builds it, in the reference's insertion order.
    var addParts: [String] = []
    var names: [(String, String)] = []
    var values: [(String, MaintenanceRequest.Value)] = []
    var anyNeedsRefill = false
    var rolled: [String] = []
    var granted: [String] = []
    var refilled: [String] = []
    var raised: [(alias: String, token: String, tokens: Int128)] = []
    var unclamped: [(name: String, ceiling: Int128)] = []
    var overCeiling: [String] = []
    var deferredWcu: (delta: Int128, tokens: Int128)?
    /// Windows in force, in limit order.
    var windows: [(name: String, start: Int128?, lengthSeconds: Int128)] = []

    /// The refill write for `state` at `now`, or why there is none.
    static func plan(_ state: BucketState, now: Int128) -> Result<MaintenanceRequest, Skip> {
        var planner = RefillPlanner(state: state, now: now)
        do {
            try planner.planLimits()
            return .success(try planner.request())
        } catch let skip as Skip {
            return .failure(skip)
        } catch {
            return .failure(.scheduleUnevaluable)
        }
    }

    private init(state: BucketState, now: Int128) {
        self.state = state
        self.now = now
    }

    private mutating func planLimits() throws {
        if state.scheduleError != nil { throw Skip.scheduleError }
        for (name, limit) in state.orderedLimits {
            if let window = limit.windowInForce(limitName: name) {
                windows.append((name, window.start, window.lengthSeconds))
            }
        }
        for window in windows {
            let applied = state.limit(named: window.name)!.windowAppliedMark(refilledAt: state.refilledAt)
            if let start = window.start, start > applied, start + window.lengthSeconds * 1000 <= now {
                throw Skip.windowEnded
            }
        }
        for (name, limit) in state.orderedLimits { try plan(name, limit) }
        if !anyNeedsRefill { throw Skip.sufficientTokens }
        // `wcu`'s own refill never justifies a write, but a write moves `rf`, so it is
        // credited here or lost.
        if let deferredWcu {
            let index = refilled.count
            addDelta(
                alias: "#rt\(index)", token: ":rd\(index)", raiseToken: ":rk\(index)",
                limit: ZaeLimiterSchema.wcuLimitName, delta: deferredWcu.delta, tokens: deferredWcu.tokens,
                forceRaise: true)
            refilled.append(ZaeLimiterSchema.wcuLimitName)
        }
    }

    private mutating func plan(_ name: String, _ limit: BucketLimitState) throws {
        let effectiveCapacity: Int128
        let ceiling: Int128
        let effectiveAmount: Int128
        let effectivePeriod: Int128
        let resetSchedule: MaintenanceSchedule
        if name == ZaeLimiterSchema.wcuLimitName {
            // The per-partition write ceiling: never split by shards nor scaled by a schedule.
            (effectiveCapacity, ceiling) = (limit.capacity, limit.capacity)
            (effectiveAmount, effectivePeriod) = (limit.refillAmount, limit.refillPeriod)
            resetSchedule = .none
        } else {
            let scaled = try limit.schedule.effectiveParameters(
                capacity: limit.capacity, refillAmount: limit.refillAmount, refillPeriod: limit.refillPeriod, now: now)
            guard state.shardCount != 0 else { throw Skip.invalidItem }
            effectiveCapacity = PythonArithmetic.floorDivide(scaled.capacity, state.shardCount)
            effectiveAmount = PythonArithmetic.floorDivide(scaled.refillAmount, state.shardCount)
            effectivePeriod = scaled.refillPeriod
            resetSchedule = limit.resetSchedule
            // A quota shard's ceiling is its grant (`C // gc`) plus any top-up this period.
            let isQuota = !resetSchedule.isEmpty || limit.resetAfterSeconds != nil
            var grantCount = state.shardCount
            if isQuota, let stored = limit.grantCount, stored >= 1 { grantCount = stored }
            var quotaCeiling = PythonArithmetic.floorDivide(scaled.capacity, grantCount)
            if isQuota, let toppedUp = limit.toppedUp, toppedUp != 0 { quotaCeiling += toppedUp }
            ceiling = quotaCeiling
        }

        // (A) a duration window rolled since this shard applied one: back to the share, less
        // what was spent since the fan-out's snapshot.
        if let window = windows.first(where: { $0.name == name }), let start = window.start,
            start > limit.windowAppliedMark(refilledAt: state.refilledAt)
        {
            var target = effectiveCapacity
            if let mark = limit.windowConsumedMark, let consumed = limit.consumed { target -= max(0, consumed - mark) }
            let delta = target - limit.tokens
            granted.append(name)
            if delta != 0 {
                anyNeedsRefill = true
                let index = rolled.count
                addDelta(
                    alias: "#wtk\(index)", token: ":wd\(index)", raiseToken: ":wk\(index)", limit: name, delta: delta,
                    tokens: limit.tokens)
                names.append(("#wws\(index)", "b_\(name)_ws"))
                values.append((":ews\(index)", .number(start)))
                rolled.append(name)
            }
            return
        }

        // (B) a reset edge crossed since `rf`: back to the share.
        if !resetSchedule.isEmpty, let edge = try resetSchedule.previousResetEdge(now: now), edge > state.refilledAt {
            let delta = effectiveCapacity - limit.tokens
            granted.append(name)
            if delta != 0 {
                anyNeedsRefill = true
                let index = refilled.count
                addDelta(
                    alias: "#rt\(index)", token: ":rd\(index)", raiseToken: ":rk\(index)", limit: name, delta: delta,
                    tokens: limit.tokens)
                refilled.append(name)
            }
            return
        }

        // (C) no accrual rate (a quota between edges): only the ceiling is watched.
        if limit.refillPeriod <= 0 || limit.refillAmount <= 0 {
            unclamped.append((name, ceiling))
            if limit.tokens > ceiling { overCeiling.append(name) }
            return
        }

        // (D) drip refill toward the ceiling; a raise only when the projection falls short of
        // the batch's consumption, a trim always.
        let elapsed = now - state.refilledAt
        if elapsed > 0, effectivePeriod == 0 { throw Skip.invalidItem }
        let refilledTokens =
            effectivePeriod == 0
            ? min(ceiling, limit.tokens)
            : PythonArithmetic.refilledTokens(
                tokens: limit.tokens, refilledAt: state.refilledAt, now: now, capacity: ceiling,
                amount: effectiveAmount, period: effectivePeriod)
        let delta = refilledTokens - limit.tokens
        if delta == 0 { return }
        if delta > 0, refilledTokens >= max(0, limit.consumedDelta) {
            if name == ZaeLimiterSchema.wcuLimitName { deferredWcu = (delta, limit.tokens) }
            return
        }
        anyNeedsRefill = true
        let index = refilled.count
        addDelta(
            alias: "#rt\(index)", token: ":rd\(index)", raiseToken: ":rk\(index)", limit: name, delta: delta,
            tokens: limit.tokens)
        refilled.append(name)
    }

    /// One `ADD alias token` of `tk`; a raise is also pinned on `tk` not above the value read.
    private mutating func addDelta(
        alias: String, token: String, raiseToken: String, limit: String, delta: Int128, tokens: Int128,
        forceRaise: Bool = false
    ) {
        addParts.append("\(alias) \(token)")
        names.append((alias, "b_\(limit)_tk"))
        values.append((token, .number(delta)))
        if delta > 0 || forceRaise { raised.append((alias, raiseToken, tokens)) }
    }
}
