import AWSDynamoDB

/// `aggregate_bucket_states`: the batch's MODIFY records of maintained bucket items, one
/// `BucketState` per bucket in first-seen order.
struct BucketStateAggregator {
    /// The buckets, in the order their first record came.
    private(set) var states: [BucketState] = []
    /// Records skipped because an attribute did not parse, by attribute name.
    private(set) var malformed: [String] = []
    private var index: [BucketState.Key: Int] = [:]

    init(records: [StreamRecord]) {
        for record in records where record.eventName == .modify {
            add(BucketStateReader.read(record))
        }
    }

    /// Folds one record's outcome in (`aggregate_bucket_states`' loop body).
    mutating func add(_ outcome: BucketStateReader.Outcome) {
        switch outcome {
        case .ignored:
            return
        case .malformed(let attribute):
            malformed.append(attribute)
        case .state(let state):
            if let position = index[state.key] {
                states[position].merge(state)
            } else {
                index[state.key] = states.count
                states.append(state)
            }
        }
    }
}
