import AWSDynamoDB
import TestPeers
import Testing

@testable import ZaeLimiter

/// Random and hostile records must never crash the parser or the aggregator.
@Suite struct ParserFuzzTests {
    func randomValue(using rng: inout some RandomNumberGenerator) -> AttributeValue {
        let numbers = [
            "0", "-0", "1.5", "1e9", "", " 12 ", "1_000", String(repeating: "9", count: 60),
            "-99999999999999999999999999999999999999", "NaN", "١٢", "12", "-7",
        ]
        switch Int.random(in: 0..<7, using: &rng) {
        case 0: return .n(numbers.randomElement(using: &rng)!)
        case 1:
            return .s(
                ["", "ns/BUCKET#e#r#1", "x/ENTITY#y", "#BUCKET#", "/", "##", "ns/BUCKET####"].randomElement(
                    using: &rng)!)
        case 2: return .bool(Bool.random(using: &rng))
        case 3: return .null
        case 4: return .m(["N": .s("1")])
        case 5: return .l([.n("1")])
        default: return .ns(["1", "x"])
        }
    }

    @Test func randomRecords_neverCrash() throws {
        var rng = SeededRandom.announced(#function)
        let names = [
            "PK", "SK", "entity_id", "rf", "shard_count", "vu", "b_rpm_tc", "b_rpm_tk", "b_rpm_soft", "b_wcu_tc",
            "b__tc", "b_tc", "b_x_ws", "b_window_tc",
        ]
        let h = AggregatorHarness()
        var records: [StreamRecord] = []
        for i in 0..<3_000 {
            var b = BucketImage()
            b.limits = ["rpm": (Int128(i), 0)]
            var new = b.item
            var old = b.item
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                new[names.randomElement(using: &rng)!] = randomValue(using: &rng)
                old[names.randomElement(using: &rng)!] = randomValue(using: &rng)
            }
            if Int.random(in: 0..<20, using: &rng) == 0 { new = [:] }
            records.append(modifyRecord(old: Bool.random(using: &rng) ? old : nil, new: new, sequence: 10 + i))
        }
        for record in records { _ = BucketRecordParser().parse(record) }
        try h.run(records, end: seq(100_000))
        #expect(h.checkpointer.lastCheckpoint == seq(100_000))
        #expect(h.aggregator.statistics.records == 3_000)
    }
}
