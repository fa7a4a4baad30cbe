/// One new-layout bucket item (`{ns}/BUCKET#{entity}#{resource}#{shard}`, `#STATE`) as a batch
/// leaves it, the reference's `BucketRefillState`: item attributes from the last NewImage, per
/// limit state in first-seen order (the order that numbers the request's placeholders).
struct BucketState {
    /// The identity a batch aggregates by.
    struct Key: Hashable {
        var namespace: String
        var entity: String
        var resource: String
        var shard: Int128
    }

    var key: Key
    /// `rf`, the shared refill stamp (0 when absent): the optimistic lock.
    var refilledAt: Int128
    /// `shard_count` (1 when absent).
    var shardCount: Int128
    /// The item-level schedule, decoded, and its raw string (pinned by a `vu` re-stamp).
    var schedule: MaintenanceSchedule
    var scheduleText: String?
    var resetSchedule: MaintenanceSchedule
    /// `vu`, the materialisation stamp, when present.
    var validUntil: Int128?
    /// Set when a stored schedule did not decode: the bucket is not refilled.
    var scheduleError: String?
    /// Limit names in first-seen order, and their states in the same order (a bucket has a
    /// handful of limits: a linear search beats hashing a dictionary per record).
    var limitNames: [String]
    var limitStates: [BucketLimitState]

    /// The item's key attributes, as `pk_bucket` / `sk_state` spell them.
    var itemKey: [String: String] {
        [
            "PK": "\(key.namespace)/\(ZaeLimiterSchema.bucketPrefix)\(key.entity)#\(key.resource)#\(key.shard)",
            "SK": ZaeLimiterSchema.bucketStateSortKey,
        ]
    }

    /// Limits with their names, in first-seen order.
    var orderedLimits: Zip2Sequence<[String], [BucketLimitState]> { zip(limitNames, limitStates) }

    /// The state of the limit `name`, if the bucket has it.
    func limit(named name: String) -> BucketLimitState? {
        limitNames.firstIndex(of: name).map { limitStates[$0] }
    }

    /// Merges a later record of the same bucket (`aggregate_bucket_states`): the later image's
    /// item attributes and limit fields win, `tc` deltas add up, new limits are appended.
    mutating func merge(_ later: BucketState) {
        refilledAt = later.refilledAt
        shardCount = later.shardCount
        schedule = later.schedule
        scheduleText = later.scheduleText
        resetSchedule = later.resetSchedule
        validUntil = later.validUntil
        scheduleError = later.scheduleError
        for (name, limit) in later.orderedLimits {
            if let position = limitNames.firstIndex(of: name) {
                let sum = limitStates[position].consumedDelta + limit.consumedDelta
                limitStates[position] = limit
                limitStates[position].consumedDelta = sum
            } else {
                limitNames.append(name)
                limitStates.append(limit)
            }
        }
    }
}
