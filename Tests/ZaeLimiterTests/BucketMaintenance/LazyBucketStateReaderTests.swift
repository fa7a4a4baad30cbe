import AWSCore
import AWSDynamoDB
import TestPeers
import Testing

@testable import ZaeLimiter

/// `BucketStateReader` on lazily decoded images (the daemon's path) must read every record as it
/// reads the eagerly decoded `Item`s: hostile values, schedules that do or do not decode,
/// repeated names (the last value counts, the first place orders the limits) and missing
/// images included.
@Suite struct LazyBucketStateReaderTests {
    static let names = [
        "PK", "SK", "entity_id", "rf", "shard_count", "vu", "sched", "rsched", "sched_tz", "b_rpm_tc", "b_rpm_tk",
        "b_rpm_soft", "b_rpm_cp", "b_rpm_ra", "b_rpm_rp", "b_rpm_ws", "b_rpm_rsa", "b_rpm_wa", "b_rpm_wtc", "b_rpm_gc",
        "b_rpm_tu", "b_rpm_sched", "b_rpm_rsched", "b_tpm_tc", "b_tpm_sched", "b_tpm_rsched", "b_tpm_rsa", "b_wcu_tc",
        "b_wcu_tk", "b_wcu_cp", "b__tc", "b_tc", "b_a_b_tc", "b_a_b_tk", "b_window_tc", "b_longer_limit_name_tc",
        "b_longer_limit_name_tk", "b_rpm_tcx", "b_rpm_", "b_rpm_schedx", "PKX", "rff", "sched_t",
    ]
    static let texts = [
        "", "ns/BUCKET#e#r#1", "ns/BUCKET#e#r#x", "ns/BUCKET#e#r# 7 ", "ns/BUCKET#er#1", "x/ENTITY#y", "#STATE",
        "é/BUCKET#ü#r̃#2", "user-1", "-", "1m0s500", "1m0h9s250;m30c5", "2m0h0s500", "1m0;", "1m5;;h3s10", "UTC",
        "Europe/Berlin", "Nowhere/Zone",
    ]
    static let numbers = [
        "0", "-0", "1.5", "1e9", "", " 12 ", "1_000", String(repeating: "9", count: 60), "-7", "12", "5000",
        "1700000000000", "1700000060000", "-99999999999999999999999999999999999999", "1000000000000000001", "60",
    ]

    func value(using rng: inout some RandomNumberGenerator) -> AttributeValue {
        switch Int.random(in: 0..<7, using: &rng) {
        case 0, 1: return .n(Self.numbers.randomElement(using: &rng)!)
        case 2, 3, 4: return .s(Self.texts.randomElement(using: &rng)!)
        case 5: return .bool(true)
        default: return .null
        }
    }

    /// JSON text of an image, members in `order`, with sometimes a decoy occurrence of a name
    /// before its real one (the real value counts; the name keeps the decoy's place).
    func imageJSON(_ item: Item, using rng: inout some RandomNumberGenerator) -> String {
        let helper = LazyParserEquivalenceTests()
        var members = item.map { (name: $0.key, value: $0.value) }.shuffled(using: &rng)
        for _ in 0..<Int.random(in: 0...2, using: &rng) where !members.isEmpty {
            let index = Int.random(in: 0..<members.count, using: &rng)
            members.insert((members[index].name, value(using: &rng)), at: Int.random(in: 0...index, using: &rng))
        }
        return "{" + members.map { "\(helper.quoted($0.name)):\(helper.valueJSON($0.value))" }.joined(separator: ",")
            + "}"
    }

    /// Everything an outcome says, in one comparable string (schedules by their decoded entries).
    func described(_ outcome: BucketStateReader.Outcome) -> String {
        switch outcome {
        case .ignored: return "ignored"
        case .malformed(let attribute): return "malformed \(attribute)"
        case .state(let state):
            var text =
                "\(state.key) rf=\(state.refilledAt) n=\(state.shardCount) vu=\(String(describing: state.validUntil))"
            text += " sched=\(state.schedule.schedule) text=\(String(describing: state.scheduleText))"
            text += " reset=\(state.resetSchedule.schedule) error=\(String(describing: state.scheduleError))"
            for (name, limit) in state.orderedLimits {
                text += " [\(name): \(limit.consumedDelta) \(limit.tokens) \(limit.capacity) \(limit.refillAmount)"
                text += " \(limit.refillPeriod) \(limit.schedule.schedule) \(limit.resetSchedule.schedule)"
                text += " \(String(describing: limit.windowStart)) \(String(describing: limit.resetAfterSeconds))"
                text += " \(String(describing: limit.windowApplied)) \(String(describing: limit.consumed))"
                text += " \(String(describing: limit.windowConsumedMark)) \(String(describing: limit.grantCount))"
                text += " \(String(describing: limit.toppedUp))]"
            }
            return text
        }
    }

    /// The dictionary path with the lazy record's attribute order: the same record decoded
    /// eagerly, whose names `orderedNewImage` would take sorted, read with the page order.
    func readEagerly(_ eager: StreamRecord, order lazy: StreamRecord) -> BucketStateReader.Outcome {
        guard let image = eager.newImage, let lazyImage = lazy.lazyNewImage else {
            return BucketStateReader.read(eager)
        }
        var names: [String] = []
        var seen = Set<String>()
        lazyImage.withAttributes { view in
            for index in view.attributes.indices {
                let name = String(decoding: view.name(index), as: UTF8.self)
                if seen.insert(name).inserted { names.append(name) }
            }
        }
        return BucketStateReader.read(names: names, image: image, oldImage: eager.oldImage)
    }

    @Test func randomRecords_readAlikeFromLazyAndEagerImages() throws {
        var rng = SeededRandom.announced(#function)
        var lazyPaths = 0
        var outcomes: [String: Int] = [:]
        for page in 0..<40 {
            var records: [String] = []
            for i in 0..<100 {
                var b = BucketImage()
                b.limits = ["rpm": (Int128(i % 7) * 1000, 5), "tpm": (Int128(i % 3), -5), "wcu": (1, 1)]
                var after = b
                after.limits = [
                    "rpm": (Int128(i % 7) * 1000 + 1500, -5), "tpm": (Int128(i % 3) - 2500, 9), "wcu": (2, 1),
                ]
                var new = after.item
                var old = b.item
                for _ in 0..<Int.random(in: 0...6, using: &rng) {
                    new[Self.names.randomElement(using: &rng)!] = value(using: &rng)
                }
                for _ in 0..<Int.random(in: 0...3, using: &rng) {
                    old[Self.names.randomElement(using: &rng)!] = value(using: &rng)
                }
                for _ in 0..<Int.random(in: 0...1, using: &rng) {
                    new[Self.names.randomElement(using: &rng)!] = nil
                }
                var change = "\"SequenceNumber\":\"\(1000 + page * 100 + i)\",\"Keys\":{}"
                if Int.random(in: 0..<40, using: &rng) != 0 { change += ",\"NewImage\":" + imageJSON(new, using: &rng) }
                if Int.random(in: 0..<8, using: &rng) != 0 { change += ",\"OldImage\":" + imageJSON(old, using: &rng) }
                records.append("{\"eventID\":\"e\(i)\",\"eventName\":\"MODIFY\",\"dynamodb\":{\(change)}}")
            }
            let body = Array(("{\"Records\":[" + records.joined(separator: ",") + "]}").utf8)
            let lazy = try GetRecordsDecoder.decode(body).records
            let eager = try GetRecordsDecoder.decode(body, images: .eager).records
            for (l, e) in zip(lazy, eager) {
                if l.lazyNewImage != nil { lazyPaths += 1 }
                let fromLazy = described(BucketStateReader.read(l))
                let expected = described(readEagerly(e, order: l))
                #expect(fromLazy == expected, "\(e.newImage ?? [:]) / \(e.oldImage ?? [:])")
                outcomes[String(expected.prefix(9)), default: 0] += 1
            }
        }
        // The lazy path ran on nearly every record, and states, skips and malformed records
        // (of several attributes) all occurred.
        #expect(lazyPaths > 3_500, "\(lazyPaths)")
        #expect(outcomes.keys.filter { $0.hasPrefix("Key(") }.count >= 1, "\(outcomes)")
        #expect(outcomes["ignored", default: 0] > 100, "\(outcomes)")
        #expect(outcomes.keys.filter { $0.hasPrefix("malformed") }.count >= 1, "\(outcomes)")
    }

    /// Several records of one bucket in a batch merge alike from both paths (the aggregator's
    /// `tc` sums and last-image fields), with limits in first-seen order.
    @Test func aggregatedStates_matchAcrossPaths() throws {
        var rng = SeededRandom.announced(#function)
        var records: [String] = []
        var base = BucketImage()
        base.limits = ["rpm": (0, 1000), "tpm": (0, 5000), "wcu": (0, 10)]
        for i in 0..<200 {
            var (record, after) = consumption(
                base, ["rpm": 1000, "tpm": Int128(i * 37 - 900), "wcu": 1000], rf: 1_700_000_000_000 + Int128(i))
            after.entity = "user-\(i % 7)"
            base = after
            var new = record.newImage!
            new["PK"] = .s("ns1/BUCKET#user-\(i % 7)#gpt-4#\(i % 2)")
            new["entity_id"] = .s("user-\(i % 7)")
            records.append(
                "{\"eventID\":\"e\(i)\",\"eventName\":\"MODIFY\",\"dynamodb\":{\"SequenceNumber\":\"\(10 + i)\","
                    + "\"Keys\":{},\"NewImage\":\(imageJSON(new, using: &rng)),"
                    + "\"OldImage\":\(imageJSON(record.oldImage!, using: &rng))}}")
        }
        let body = Array(("{\"Records\":[" + records.joined(separator: ",") + "]}").utf8)
        let lazy = BucketStateAggregator(records: try GetRecordsDecoder.decode(body).records)
        let eagerRecords = try GetRecordsDecoder.decode(body, images: .eager).records
        let lazyRecords = try GetRecordsDecoder.decode(body).records
        var eager = BucketStateAggregator(records: [])
        for (e, l) in zip(eagerRecords, lazyRecords) { eager.add(readEagerly(e, order: l)) }
        #expect(lazy.states.count == 14)
        #expect(lazy.states.map { described(.state($0)) } == eager.states.map { described(.state($0)) })
        #expect(lazy.malformed == eager.malformed)
    }

    /// The propagation duty's prefilter decides alike from lazy spans and from built values:
    /// repeated, mistyped, equal and non-ASCII `shard_count`s included.
    @Test func shardCountPrefilter_decidesAlikeFromLazyImages() throws {
        var rng = SeededRandom.announced(#function)
        let counts: [AttributeValue] = [
            .n("1"), .n("2"), .n("02"), .n(" 2"), .n("١٢"), .n("\u{E9}"), .n("e\u{301}"), .s("2"), .bool(true), .n(""),
            .n("32"),
        ]
        var records: [String] = []
        for i in 0..<2_000 {
            var new: Item = ["PK": .s("ns/BUCKET#e#r#0"), "SK": .s("#STATE")]
            var old = new
            if Int.random(in: 0..<6, using: &rng) != 0 { new["shard_count"] = counts.randomElement(using: &rng)! }
            if Int.random(in: 0..<6, using: &rng) != 0 { old["shard_count"] = counts.randomElement(using: &rng)! }
            records.append(
                "{\"eventID\":\"e\(i)\",\"eventName\":\"MODIFY\",\"dynamodb\":{\"SequenceNumber\":\"\(10 + i)\","
                    + "\"Keys\":{},\"NewImage\":\(imageJSON(new, using: &rng)),\"OldImage\":\(imageJSON(old, using: &rng))}}"
            )
        }
        let body = Array(("{\"Records\":[" + records.joined(separator: ",") + "]}").utf8)
        let lazy = try GetRecordsDecoder.decode(body).records
        let eager = try GetRecordsDecoder.decode(body, images: .eager).records
        var changed = 0
        for (l, e) in zip(lazy, eager) {
            let expected = ShardCountPropagationDuty.countChanged(e)
            #expect(
                ShardCountPropagationDuty.countChanged(l) == expected, "\(e.newImage ?? [:]) / \(e.oldImage ?? [:])")
            if expected { changed += 1 }
        }
        #expect(changed > 200 && changed < 1_800, "\(changed)")
    }
}
