import AWSDynamoDB

/// Builds bucket stream records the way zae-limiter 0.17.0 writes them.
struct BucketImage {
    var namespace = "ns1"
    var entity = "user-1"
    var resource = "gpt-4"
    var shard = 0
    var rf: Int128 = 1_700_000_000_000
    /// limit → (tc, tk) in millitokens.
    var limits: [String: (tc: Int128, tk: Int128)] = [:]
    var soft: [String: AttributeValue] = [:]
    var extra: Item = [:]

    var item: Item {
        var item: Item = [
            "PK": .s("\(namespace)/BUCKET#\(entity)#\(resource)#\(shard)"), "SK": .s("#STATE"),
            "entity_id": .s(entity), "rf": .n(String(rf)), "shard_count": .n("1"),
        ]
        for (limit, value) in limits {
            item["b_\(limit)_tc"] = .n(String(value.tc))
            item["b_\(limit)_tk"] = .n(String(value.tk))
            item["b_\(limit)_cp"] = .n("100000")
            item["b_\(limit)_ra"] = .n("100000")
            item["b_\(limit)_rp"] = .n("60000")
        }
        for (limit, stamp) in soft { item["b_\(limit)_soft"] = stamp }
        for (name, value) in extra { item[name] = value }
        return item
    }
}

private nonisolated(unsafe) var nextSequence = 1000

func modifyRecord(old: Item?, new: Item?, sequence: Int? = nil, event: StreamRecord.EventName = .modify) -> StreamRecord
{
    let number: Int
    if let sequence {
        number = sequence
    } else {
        nextSequence += 1
        number = nextSequence
    }
    return StreamRecord(
        eventID: "e\(number)", eventName: event, keys: ["PK": new?["PK"] ?? .s(""), "SK": .s("#STATE")],
        newImage: new, oldImage: old, sequenceNumber: SequenceNumber(String(number))!)
}

/// One consumption of `amounts` (millitokens) on a bucket: old image, then new image.
func consumption(
    _ base: BucketImage, _ amounts: [String: Int128], rf: Int128? = nil, sequence: Int? = nil
) -> (record: StreamRecord, after: BucketImage) {
    var after = base
    if let rf { after.rf = rf }
    for (limit, amount) in amounts {
        let current = base.limits[limit] ?? (0, 100_000)
        after.limits[limit] = (current.tc + amount, current.tk - amount)
    }
    return (modifyRecord(old: base.item, new: after.item, sequence: sequence), after)
}

func seq(_ n: Int) -> SequenceNumber { SequenceNumber(String(n))! }
