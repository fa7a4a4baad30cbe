import AWSCore
import AWSDynamoDB
import TestPeers
import Testing

@testable import ZaeLimiter

/// `BucketRecordParser` on lazily decoded images (the daemon's path) must decide every record as
/// it does on the eagerly decoded `Item`s, and as the original parser does: hostile values,
/// attributes in any order, repeated names (the last one counts) and escaped names included.
@Suite struct LazyParserEquivalenceTests {
    /// JSON text of a string; `escaped` writes every ASCII character as `\u00XX`.
    func quoted(_ text: String, escaped: Bool = false) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            if escaped && scalar.isASCII || scalar == "\"" || scalar == "\\" || scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    func valueJSON(_ value: AttributeValue) -> String {
        switch value {
        case .s(let text): return "{\"S\":\(quoted(text))}"
        case .n(let text): return "{\"N\":\(quoted(text))}"
        case .bool(let flag): return "{\"BOOL\":\(flag)}"
        case .null: return "{\"NULL\":true}"
        default: return String(decoding: value.jsonValue.serializedBytes(), as: UTF8.self)
        }
    }

    /// The image in a random order, sometimes with a decoy earlier occurrence of a name and
    /// sometimes with one name escaped.
    func imageJSON(_ item: Item, using rng: inout some RandomNumberGenerator) -> String {
        var members = item.map { (name: $0.key, value: $0.value, escaped: false) }.shuffled(using: &rng)
        if !members.isEmpty, Int.random(in: 0..<4, using: &rng) == 0 {
            let index = Int.random(in: 0..<members.count, using: &rng)
            let decoy = ParserEquivalenceTests().value(using: &rng)
            members.insert((members[index].name, decoy, false), at: Int.random(in: 0...index, using: &rng))
        }
        if !members.isEmpty, Int.random(in: 0..<15, using: &rng) == 0 {
            members[Int.random(in: 0..<members.count, using: &rng)].escaped = true
        }
        return "{"
            + members.map { "\(quoted($0.name, escaped: $0.escaped)):\(valueJSON($0.value))" }.joined(separator: ",")
            + "}"
    }

    /// Deltas and rejected limits in a fixed order: each path lists them in its attribute order
    /// (page order when lazy, hash order from an `Item`), which carries no meaning.
    func normalized(_ outcome: BucketRecordParser.Outcome) -> BucketRecordParser.Outcome {
        guard case .parsed(let deltas, let rejected) = outcome else { return outcome }
        return .parsed(
            deltas: deltas.sorted { $0.limitName < $1.limitName },
            rejectedLimits: rejected.sorted { $0.description < $1.description })
    }

    /// Both rejections for a faulty number; which one each names may differ only when the record
    /// has several (page order vs. hash order), so the attribute the lazy path names must be an
    /// `N` of the record that is faulty in the way it says.
    func sameStep(_ lazy: BucketRecordParser.Outcome, _ eager: BucketRecordParser.Outcome, _ record: StreamRecord)
        -> Bool
    {
        guard case .rejected(let a) = lazy, case .rejected(let b) = eager else { return false }
        func named(_ reason: RejectionReason) -> String? {
            switch reason {
            case .notAnInteger(let attribute), .numberOutOfRange(let attribute): return attribute
            default: return nil
            }
        }
        guard let attribute = named(a), named(b) != nil else { return false }
        return [record.newImage?[attribute], record.oldImage?[attribute]].contains { value in
            guard case .n(let text)? = value else { return false }
            if case .notAnInteger = a { return PythonInteger.parse(text) == .failure(.notAnInteger) }
            return PythonInteger.parse(text) != .failure(.notAnInteger)
        }
    }

    @Test func randomRecords_decidedAlikeFromLazyAndEagerImages() throws {
        var rng = SeededRandom.announced(#function)
        let parser = BucketRecordParser()
        let original = OriginalBucketRecordParser()
        let generator = ParserEquivalenceTests()
        var lazyPaths = 0
        var differingAttribute = 0
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
                after.soft = i % 4 == 0 ? ["rpm": .n("1"), "tpm": .s("x")] : [:]
                var new = after.item
                var old = b.item
                for _ in 0..<Int.random(in: 0...6, using: &rng) {
                    new[ParserEquivalenceTests.names.randomElement(using: &rng)!] = generator.value(using: &rng)
                    old[ParserEquivalenceTests.names.randomElement(using: &rng)!] = generator.value(using: &rng)
                }
                let event = Int.random(in: 0..<30, using: &rng) == 0 ? "INSERT" : "MODIFY"
                var change = "\"SequenceNumber\":\"\(1000 + page * 100 + i)\",\"Keys\":{}"
                if Int.random(in: 0..<40, using: &rng) != 0 { change += ",\"NewImage\":" + imageJSON(new, using: &rng) }
                if Int.random(in: 0..<8, using: &rng) != 0 { change += ",\"OldImage\":" + imageJSON(old, using: &rng) }
                records.append("{\"eventID\":\"e\(i)\",\"eventName\":\"\(event)\",\"dynamodb\":{\(change)}}")
            }
            let body = Array(("{\"Records\":[" + records.joined(separator: ",") + "]}").utf8)
            let lazy = try GetRecordsDecoder.decode(body).records
            let eager = try GetRecordsDecoder.decode(body, images: .eager).records
            for (l, e) in zip(lazy, eager) {
                if l.lazyNewImage?.hasEscapes == false && l.lazyOldImage?.hasEscapes != true { lazyPaths += 1 }
                let fromLazy = normalized(parser.parse(l))
                let expected = normalized(original.parse(e))
                #expect(normalized(parser.parse(e)) == expected)
                if fromLazy != expected {
                    #expect(sameStep(fromLazy, expected, e), "\(fromLazy) vs \(expected): \(e.newImage ?? [:])")
                    differingAttribute += 1
                }
                outcomes["\(expected)".prefix(14).description, default: 0] += 1
            }
        }
        // The lazy path ran on most records, every kind of outcome occurred, and records named
        // differently are the multi-fault minority.
        #expect(lazyPaths > 3_000, "\(lazyPaths)")
        #expect(outcomes.count >= 4, "\(outcomes)")
        #expect(differingAttribute < 400, "\(differingAttribute)")
    }

    /// The benchmark's workload shape: real bucket records give the same deltas either way.
    @Test func bucketRecords_giveTheSameDeltasFromLazyImages() throws {
        var rng = SeededRandom.announced(#function)
        var records: [String] = []
        var base = BucketImage()
        base.limits = ["rpm": (0, 1000), "tpm": (0, 5000), "wcu": (0, 10)]
        for i in 0..<200 {
            let (record, after) = consumption(
                base, ["rpm": 1000, "tpm": Int128(i * 37 - 900), "wcu": 1000], rf: 1_700_000_000_000 + Int128(i))
            base = after
            records.append(
                "{\"eventID\":\"e\(i)\",\"eventName\":\"MODIFY\",\"dynamodb\":{\"SequenceNumber\":\"\(10 + i)\","
                    + "\"Keys\":{},\"NewImage\":\(imageJSON(record.newImage!, using: &rng)),"
                    + "\"OldImage\":\(imageJSON(record.oldImage!, using: &rng))}}")
        }
        let body = Array(("{\"Records\":[" + records.joined(separator: ",") + "]}").utf8)
        let lazy = try GetRecordsDecoder.decode(body).records
        let eager = try GetRecordsDecoder.decode(body, images: .eager).records
        let parser = BucketRecordParser()
        var deltas = 0
        for (l, e) in zip(lazy, eager) {
            let outcome = normalized(parser.parse(l))
            #expect(outcome == normalized(parser.parse(e)))
            if case .parsed(let found, _) = outcome { deltas += found.count }
        }
        #expect(deltas >= 300)
    }
}
