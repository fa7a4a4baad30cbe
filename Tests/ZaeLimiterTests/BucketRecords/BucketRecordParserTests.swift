import AWSDynamoDB
import Testing

@testable import ZaeLimiter

@Suite struct BucketRecordParserTests {
    let parser = BucketRecordParser()
    var base: BucketImage {
        var b = BucketImage()
        b.limits = ["rpm": (5_000, 95_000), "tpm": (10_000, 90_000), "wcu": (3_000, 997_000)]
        return b
    }

    func deltas(_ outcome: BucketRecordParser.Outcome) -> [UsageDelta] {
        guard case .parsed(let deltas, _) = outcome else { return [] }
        return deltas.sorted { $0.limitName < $1.limitName }
    }

    @Test func modify_producesOneDeltaPerChangedLimit_withoutWcu() {
        let (record, _) = consumption(base, ["rpm": 1_000, "tpm": 2_500, "wcu": 1_000])
        let found = deltas(parser.parse(record))
        #expect(found.map(\.limitName) == ["rpm", "tpm"])
        #expect(found.map(\.millitokens) == [1_000, 2_500])
        #expect(found.map(\.tokens) == [1, 2])
        #expect(found.allSatisfy { $0.namespaceId == "ns1" && $0.entityId == "user-1" && $0.resource == "gpt-4" })
        #expect(found.allSatisfy { $0.timestampMilliseconds == 1_700_000_000_000 })
    }

    @Test func insertAndRemove_areIgnored() {
        let (record, after) = consumption(base, ["rpm": 1_000])
        #expect(parser.parse(modifyRecord(old: nil, new: after.item, event: .insert)) == .ignored(.notModify))
        #expect(parser.parse(modifyRecord(old: record.oldImage, new: nil, event: .remove)) == .ignored(.notModify))
    }

    @Test func zeroDelta_producesNothingButIsABucket() {
        let record = modifyRecord(old: base.item, new: base.item)
        #expect(parser.parse(record) == .parsed(deltas: [], rejectedLimits: []))
    }

    @Test func tokensUsePythonFloorDivision() {
        let (record, _) = consumption(base, ["rpm": -1_500, "tpm": 999])
        let found = deltas(parser.parse(record))
        #expect(found.map(\.tokens) == [-2, 0])
    }

    @Test func counterMustBeANumberInBothImages() {
        var old = base.item
        old["b_rpm_tc"] = nil
        old["b_tpm_tc"] = .s("10000")
        let (record, _) = consumption(base, ["rpm": 1_000, "tpm": 1_000])
        let changed = modifyRecord(old: old, new: record.newImage)
        #expect(
            parser.parse(changed) == .parsed(deltas: [], rejectedLimits: []) || deltas(parser.parse(changed)).isEmpty)
        // Only wcu remains comparable, so the record is a bucket with no usable delta.
        #expect(deltas(parser.parse(changed)).isEmpty)
    }

    @Test func entityIdMustBeInNewImage() {
        var (record, _) = consumption(base, ["rpm": 1_000])
        record.newImage?["entity_id"] = nil
        #expect(parser.parse(record) == .ignored(.noEntityId))
        record.newImage?["entity_id"] = .s("")
        #expect(parser.parse(record) == .ignored(.noEntityId))
    }

    @Test func keysComeFromTheNewImage_bothForms() {
        var (record, _) = consumption(base, ["rpm": 2_000])
        record.newImage?["PK"] = .s("ns2/BUCKET#ent#res#with#hash#7")
        let found = deltas(parser.parse(record))
        #expect(found.first?.namespaceId == "ns2")
        #expect(found.first?.entityId == "ent")
        #expect(found.first?.resource == "res#with#hash")

        record.newImage?["PK"] = .s("ns3/ENTITY#legacy")
        record.newImage?["SK"] = .s("#BUCKET#api")
        record.newImage?["entity_id"] = .s("legacy-entity")
        let legacy = deltas(parser.parse(record))
        #expect(legacy.first?.namespaceId == "ns3")
        #expect(legacy.first?.entityId == "legacy-entity")
        #expect(legacy.first?.resource == "api")

        record.newImage?["SK"] = .s("#META")
        #expect(parser.parse(record) == .ignored(.notBucket))
        record.newImage?["PK"] = .s("no-namespace")
        #expect(parser.parse(record) == .ignored(.notBucket))
        record.newImage?["PK"] = .s("ns/BUCKET#e#r#notanumber")
        #expect(parser.parse(record) == .ignored(.notBucket))
        record.newImage?["PK"] = .s("ns/BUCKET#noresource#1")
        #expect(parser.parse(record) == .ignored(.notBucket))
    }

    @Test func overdrawn_onlyForSoftLimitsDebitedIntoDebt() {
        var b = base
        b.limits["rpm"] = (5_000, 500)
        b.limits["tpm"] = (5_000, 500)
        b.soft = ["rpm": .n("1700000060000"), "tpm": .bool(true)]
        b.limits["hard"] = (0, 500)
        let (record, _) = consumption(b, ["rpm": 1_000, "tpm": 200, "hard": 1_000])
        let found = deltas(parser.parse(record))
        #expect(found.map(\.limitName) == ["hard", "rpm", "tpm"])
        #expect(found.map(\.overdrawn) == [false, true, false])

        var refund = b
        refund.limits["rpm"] = (5_000, -10_000)
        let (back, _) = consumption(refund, ["rpm": -1_000])
        #expect(deltas(parser.parse(back)).map(\.overdrawn) == [false])

        var boolSoft = b
        boolSoft.soft = ["tpm": .bool(true)]
        let (debt, _) = consumption(boolSoft, ["tpm": 1_000])
        #expect(deltas(parser.parse(debt)).map(\.overdrawn) == [true])
    }

    @Test func unparsableIntegers_rejectTheWholeRecord() {
        let cases: [(String, AttributeValue)] = [
            ("rf", .n("1.5")), ("shard_count", .n("abc")), ("vu", .n("1e3")), ("b_wcu_tk", .n("x")),
            ("b_rpm_ws", .n("1.0")), ("b_tpm_soft", .n("soon")), ("b_rpm_gc", .n("")),
        ]
        for (name, value) in cases {
            var (record, _) = consumption(base, ["rpm": 1_000])
            record.newImage?[name] = value
            guard case .rejected(.notAnInteger(let attribute)) = parser.parse(record) else {
                Issue.record("\(name) was not rejected")
                continue
            }
            #expect(attribute == name)
        }
        var (record, _) = consumption(base, ["rpm": 1_000])
        record.newImage?["b_rpm_tc"] = .n("12.5")
        #expect(parser.parse(record) == .rejected(.notAnInteger(attribute: "b_rpm_tc")))
    }

    @Test func mistypedOptionalAttributes_readAsDefaults() {
        var (record, _) = consumption(base, ["rpm": 1_000])
        record.newImage?["rf"] = .s("not a number")
        record.newImage?["b_rpm_tk"] = .s("x")
        let found = deltas(parser.parse(record))
        #expect(found.count == 1)
        #expect(found.first?.timestampMilliseconds == 0)
    }

    @Test func enormousNumbers_areRejectedNotWrapped() {
        var (record, _) = consumption(base, ["rpm": 1_000])
        record.newImage?["b_rpm_tc"] = .n(String(repeating: "9", count: 50))
        #expect(parser.parse(record) == .rejected(.numberOutOfRange(attribute: "b_rpm_tc")))
        // 38 digits, DynamoDB's maximum, are exact.
        let nines38 = String(repeating: "9", count: 38)
        let nines37 = String(repeating: "9", count: 37)
        var (big, _) = consumption(base, ["rpm": 1_000])
        big.oldImage?["b_rpm_tc"] = .n(nines37)
        big.newImage?["b_rpm_tc"] = .n(nines38)
        let d = deltas(parser.parse(big)).first { $0.limitName == "rpm" }
        #expect(d?.millitokens == Int128(nines38)! - Int128(nines37)!)
        // A difference beyond Int128 is reported, never wrapped.
        big.oldImage?["b_rpm_tc"] = .n("-" + nines38)
        #expect(parser.parse(big) == .rejected(.numberOutOfRange(attribute: "b_rpm_tc")))
    }

    @Test func timestampOutsidePythonDatetime_rejectsOnlyWhenThereAreDeltas() {
        var (record, _) = consumption(base, ["rpm": 1_000])
        record.newImage?["rf"] = .n("253402300800000")
        #expect(parser.parse(record) == .rejected(.timestampOutOfRange))
        let quiet = modifyRecord(old: base.item, new: base.item.merging(["rf": .n("999999999999999999999")]) { $1 })
        #expect(parser.parse(quiet) == .parsed(deltas: [], rejectedLimits: []))
    }

    @Test func limitNamedLikeASnapshotAttribute_isReportedNotWritten() {
        var b = base
        b.limits["window"] = (0, 100_000)
        let (record, _) = consumption(b, ["window": 1_000, "rpm": 1_000])
        #expect(
            parser.parse(record)
                == .parsed(deltas: deltas(parser.parse(record)), rejectedLimits: [.limitNameCollides(limit: "window")]))
        #expect(deltas(parser.parse(record)).map(\.limitName) == ["rpm"])
    }

    @Test func limitNameIsSplitAtTheLastUnderscore() {
        #expect(BucketRecordParser.limitName(ofCounter: "b_tokens_per_min_tc") == "tokens_per_min")
        #expect(BucketRecordParser.limitName(ofCounter: "b__tc") == nil)
        #expect(BucketRecordParser.limitName(ofCounter: "b_rpm_tk") == nil)
        #expect(BucketRecordParser.limitName(ofCounter: "x_rpm_tc") == nil)
    }
}
