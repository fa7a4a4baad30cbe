import AWSCore
import AWSDynamoDB
import TestPeers

extension AggregationBenchmark {
    /// Bucket MODIFY records as zae-limiter 0.17.0 writes them: 1000 buckets (entities ×
    /// resources, two namespaces), limits rpm / tpm / wcu, `rf` advancing over two hours.
    /// Skewed: 80 % of records hit 10 hot buckets (an API key hammering one model); uniform: all
    /// buckets alike. Deterministic (TestPeers' SeededRandom).
    struct Workload {
        var records: [StreamRecord]

        static func make(records count: Int, skewed: Bool) -> Workload {
            var rng = SeededRandom(seed: skewed ? 1 : 2)
            let bucketCount = 1000
            var consumed = [[Int]](repeating: [0, 0, 0], count: bucketCount)
            let start = 1_769_898_000_000  // 2026-01-31T22:20:00Z
            var records: [StreamRecord] = []
            records.reserveCapacity(count)
            for index in 0..<count {
                let bucket: Int
                if skewed && rng.next() % 10 < 8 {
                    bucket = Int(rng.next() % 10)
                } else {
                    bucket = Int(rng.next() % UInt64(bucketCount))
                }
                let rf = start + index * (7_200_000 / max(count, 1))
                let amounts = [1_000, Int(rng.next() % 5_000) * 1_000 + 500, 1_000]
                let old = image(bucket: bucket, consumed: consumed[bucket], rf: rf - 1_000)
                for limit in 0..<3 { consumed[bucket][limit] += amounts[limit] }
                let new = image(bucket: bucket, consumed: consumed[bucket], rf: rf)
                records.append(
                    StreamRecord(
                        eventID: "e\(index)", eventName: .modify, eventVersion: "1.1", eventSource: "aws:dynamodb",
                        awsRegion: "us-east-1", approximateCreationDateTime: Double(rf / 1000),
                        keys: ["PK": new["PK"]!, "SK": new["SK"]!], newImage: new, oldImage: old,
                        sequenceNumber: SequenceNumber(String(1_000_000_000 + index))!, sizeBytes: 900,
                        streamViewType: "NEW_AND_OLD_IMAGES"))
            }
            return Workload(records: records)
        }

        static func image(bucket: Int, consumed: [Int], rf: Int) -> Item {
            let namespace = bucket % 2 == 0 ? "nsA1b2c3d4" : "nsE5f6g7h8"
            let entity = "key-\(bucket / 3)"
            let resource = ["gpt-4", "claude", "embed"][bucket % 3]
            var item: Item = [
                "PK": .s("\(namespace)/BUCKET#\(entity)#\(resource)#0"), "SK": .s("#STATE"),
                "entity_id": .s(entity), "rf": .n(String(rf)), "shard_count": .n("1"),
                "GSI2PK": .s("\(namespace)/RESOURCE#\(resource)"), "GSI2SK": .s("BUCKET#\(entity)#0"),
            ]
            for (position, limit) in ["rpm", "tpm", "wcu"].enumerated() {
                item["b_\(limit)_tc"] = .n(String(consumed[position]))
                item["b_\(limit)_tk"] = .n(String(1_000_000_000 - consumed[position] % 1_000_000_000))
                item["b_\(limit)_cp"] = .n("1000000000")
                item["b_\(limit)_ra"] = .n("1000000000")
                item["b_\(limit)_rp"] = .n("60000")
            }
            return item
        }

        func json() -> JSONValue { Self.json(records[...]) }

        /// GetRecords response bodies of `batch` records each, as the daemon would fetch them.
        func pages(batch: Int) -> [[UInt8]] {
            stride(from: 0, to: records.count, by: batch).map { first in
                Self.json(records[first..<min(first + batch, records.count)]).serializedBytes()
            }
        }

        static func json(_ records: ArraySlice<StreamRecord>) -> JSONValue {
            func image(_ item: Item?) -> JSONValue {
                .object((item ?? [:]).sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value.jsonValue) })
            }
            var list: [JSONValue] = []
            for record in records {
                let created = String(Int(record.approximateCreationDateTime ?? 0))
                let change: [(key: String, value: JSONValue)] = [
                    (key: "ApproximateCreationDateTime", value: .number(created)),
                    (key: "Keys", value: image(record.keys)),
                    (key: "NewImage", value: image(record.newImage)),
                    (key: "OldImage", value: image(record.oldImage)),
                    (key: "SequenceNumber", value: .string(record.sequenceNumber.digits)),
                    (key: "SizeBytes", value: .number(String(record.sizeBytes))),
                    (key: "StreamViewType", value: .string("NEW_AND_OLD_IMAGES")),
                ]
                let members: [(key: String, value: JSONValue)] = [
                    (key: "eventID", value: .string(record.eventID)),
                    (key: "eventName", value: .string(record.eventName.wireName)),
                    (key: "eventVersion", value: .string("1.1")),
                    (key: "eventSource", value: .string("aws:dynamodb")),
                    (key: "awsRegion", value: .string("us-east-1")),
                    (key: "dynamodb", value: .object(change)),
                ]
                list.append(.object(members))
            }
            return .object([(key: "Records", value: .array(list))])
        }
    }
}
