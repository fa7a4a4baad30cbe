import AWSDynamoDB

/// The bucket states of the lane's current batch, aggregated once and shared by the duties that
/// read them (refill and proactive shard doubling run on the same batch, one after the other).
///
/// One instance per lane, used on the lane's thread only.
public final class BucketStateCache {
    private struct BatchIdentity: Equatable {
        var shardId: String
        var lane: Int
        var attempt: Int
        var now: Int64
        var count: Int
        var first: SequenceNumber?
        var last: SequenceNumber?
    }

    private var identity: BatchIdentity?
    private var aggregator = BucketStateAggregator(records: [])

    public init() {}

    /// The states of `batch`, aggregated on the first call for it. The second element says
    /// whether this call did the aggregation (so that malformed records are counted once).
    func states(of batch: DutyBatch) -> (BucketStateAggregator, fresh: Bool) {
        let current = BatchIdentity(
            shardId: batch.shardId, lane: batch.lane, attempt: batch.attempt, now: batch.nowMilliseconds,
            count: batch.records.count, first: batch.records.first?.sequenceNumber,
            last: batch.records.last?.sequenceNumber)
        if current == identity { return (aggregator, false) }
        identity = current
        aggregator = BucketStateAggregator(records: batch.records)
        return (aggregator, true)
    }
}
