/// `try_proactive_shard`: shard 0 of a bucket whose `wcu` balance, projected to `now`, is
/// under 20 % of its capacity doubles the entity's `shard_count` (at most 32), conditioned on
/// the count it read.
enum ProactiveShardPlanner {
    /// The reference's `MAX_SHARD_COUNT`.
    static let maximumShardCount: Int128 = 32

    /// Why a bucket with a `wcu` limit is not doubled.
    enum Skip: String, Error {
        case notShardZero = "not_shard_zero"
        case noCapacity = "no_capacity"
        case atMaximum = "at_maximum"
        case enoughCapacity = "enough_capacity"
    }

    /// A planned doubling: the write and what it does.
    struct Doubling {
        var request: MaintenanceRequest
        var oldCount: Int128
        var newCount: Int128
        /// The projected `wcu` balance over its capacity (for the log only).
        var ratio: Double
    }

    /// Nil when the bucket has no `wcu` limit (the reference does not look at it then).
    static func plan(_ state: BucketState, now: Int128) -> Result<Doubling, Skip>? {
        guard let wcu = state.limit(named: ZaeLimiterSchema.wcuLimitName) else { return nil }
        guard state.key.shard == 0 else { return .failure(.notShardZero) }
        guard wcu.capacity > 0 else { return .failure(.noCapacity) }
        guard state.shardCount < maximumShardCount else { return .failure(.atMaximum) }
        var tokens = wcu.tokens
        if wcu.refillPeriod > 0, wcu.refillAmount > 0 {
            tokens = PythonArithmetic.refilledTokens(
                tokens: tokens, refilledAt: state.refilledAt, now: now, capacity: wcu.capacity,
                amount: wcu.refillAmount, period: wcu.refillPeriod)
        }
        guard ratioBelowThreshold(tokens: tokens, capacity: wcu.capacity) else { return .failure(.enoughCapacity) }
        let newCount = min(state.shardCount * 2, maximumShardCount)
        var key = state.key
        key.shard = 0
        var shardZero = state
        shardZero.key = key
        let request = MaintenanceRequest(
            key: shardZero.itemKey, updateExpression: "SET shard_count = :new",
            conditionExpression: "shard_count = :old",
            names: [], values: [(":old", .number(state.shardCount)), (":new", .number(newCount))])
        return .success(
            Doubling(
                request: request, oldCount: state.shardCount, newCount: newCount,
                ratio: Double(tokens) / Double(wcu.capacity)))
    }

    /// Python's `tokens / capacity < 0.2` on floats, decided exactly: the correctly rounded
    /// quotient reaches the double nearest 0.2 (7205759403792794 · 2⁻⁵⁵) exactly when the true
    /// quotient reaches the midpoint below it, 14411518807585587 · 2⁻⁵⁶ (a tie rounds to that
    /// double, whose last mantissa bit is even). `capacity` is positive.
    static func ratioBelowThreshold(tokens: Int128, capacity: Int128) -> Bool {
        tokens * (Int128(1) << 56) < 14_411_518_807_585_587 * capacity
    }
}
