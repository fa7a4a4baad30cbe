import AWSDynamoDB
import TestPeers
import Testing

@testable import ZaeLimiter

/// The byte-level `BucketRecordParser` must decide every record exactly as the string-based
/// parser it replaced (`OriginalBucketRecordParser`), hostile records included.
@Suite struct ParserEquivalenceTests {
    static let names = [
        "PK", "SK", "entity_id", "rf", "shard_count", "vu", "b_rpm_tc", "b_rpm_tk", "b_rpm_soft", "b_wcu_tc",
        "b_wcu_tk", "b__tc", "b_tc", "b_x_ws", "b_window_tc", "b_window_tk", "b_rpm_cp", "b_tpm_tc", "b_tpm_soft",
        "b_a_b_tc", "b_a_b_tk", "PKX", "P", "b_rpm_tcx", "b_rpm_", "entity_i", "rff", "b_ttl_tc", "b_x_rsa",
    ]
    static let texts = [
        "", "ns/BUCKET#e#r#1", "ns/BUCKET#e#r#x", "ns/BUCKET#e#r# 7 ", "ns/BUCKET#e#r#", "ns/BUCKET#er#1",
        "ns/BUCKET#e#r#s#1", "x/ENTITY#y", "#BUCKET#", "#BUCKET#gpt", "/", "##", "ns/BUCKET####", "ns/BUCKET",
        "é/BUCKET#ü#r̃#2", "a/b/BUCKET#e#r#1", "user-1", "#STATE",
    ]
    static let numbers = [
        "0", "-0", "1.5", "1e9", "", " 12 ", "1_000", String(repeating: "9", count: 60), "-7", "12", "١٢",
        "-99999999999999999999999999999999999999", "1700000000000", "253402300800000", "-62135596800001", "5000",
    ]

    func value(using rng: inout some RandomNumberGenerator) -> AttributeValue {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0, 1: return .n(Self.numbers.randomElement(using: &rng)!)
        case 2, 3: return .s(Self.texts.randomElement(using: &rng)!)
        case 4: return .bool(true)
        default: return .null
        }
    }

    @Test func randomRecords_decidedAsTheOriginalParserDecidesThem() {
        var rng = SeededRandom.announced(#function)
        let parser = BucketRecordParser()
        let original = OriginalBucketRecordParser()
        var outcomes: [String: Int] = [:]
        for i in 0..<8_000 {
            var b = BucketImage()
            b.limits = ["rpm": (Int128(i % 7) * 1000, 5), "tpm": (Int128(i % 3), -5), "wcu": (1, 1)]
            var after = b
            after.limits = ["rpm": (Int128(i % 7) * 1000 + 1500, -5), "tpm": (Int128(i % 3) - 2500, 9), "wcu": (2, 1)]
            after.soft = i % 4 == 0 ? ["rpm": .n("1"), "tpm": .s("x")] : [:]
            var new = after.item
            var old = b.item
            for _ in 0..<Int.random(in: 0...6, using: &rng) {
                new[Self.names.randomElement(using: &rng)!] = value(using: &rng)
                old[Self.names.randomElement(using: &rng)!] = value(using: &rng)
            }
            for _ in 0..<Int.random(in: 0...2, using: &rng) {
                new[Self.names.randomElement(using: &rng)!] = nil
            }
            if Int.random(in: 0..<50, using: &rng) == 0 { new = [:] }
            let event: StreamRecord.EventName = Int.random(in: 0..<30, using: &rng) == 0 ? .insert : .modify
            let record = modifyRecord(
                old: Bool.random(using: &rng) || i % 5 != 0 ? old : nil,
                new: Int.random(in: 0..<40, using: &rng) == 0 ? nil : new, sequence: 10 + i, event: event)
            let expected = original.parse(record)
            #expect(parser.parse(record) == expected, "record \(i): \(record)")
            outcomes["\(expected)".prefix(14).description, default: 0] += 1
        }
        // The generator reaches every kind of outcome, so the comparison means something.
        #expect(outcomes.count >= 4, "\(outcomes)")
    }
}
