import AWSDynamoDB
import StreamConsumer
import Testing
import ZaeLimiter

/// The zae-limiter record filter reads the NewImage's SK (MODIFY) or the OldImage's PK (REMOVE)
/// alone from lazily decoded records; it must decide as it does on the full image.
@Suite struct RecordFilterTests {
    static func page(_ records: [(event: String, newImage: String)]) -> [UInt8] {
        let members = records.enumerated().map { index, record in
            #"{"eventID":"\#(index)","eventName":"\#(record.event)","dynamodb":{"SequenceNumber":"\#(10 + index)","#
                + #""Keys":{"PK":{"S":"p"}},"NewImage":\#(record.newImage)}}"#
        }
        return Array(("{\"Records\":[" + members.joined(separator: ",") + "]}").utf8)
    }

    @Test func lazyRecords_filteredAsTheirImagesSay() throws {
        let cases: [(event: String, newImage: String, accepted: Bool)] = [
            ("MODIFY", ##"{"PK":{"S":"p"},"SK":{"S":"#STATE"}}"##, true),
            ("MODIFY", ##"{"SK":{"S":"#BUCKET#gpt-4"},"x":{"N":"1"}}"##, true),
            ("MODIFY", ##"{"SK":{"S":"#ST\u0041TE"}}"##, true),
            ("MODIFY", ##"{"S\u004b":{"S":"#STATE"}}"##, true),
            ("MODIFY", ##"{"SK":{"S":"#LIMIT#x"},"SK":{"S":"#STATE"}}"##, true),
            ("MODIFY", ##"{"SK":{"S":"#STATE"},"SK":{"S":"#LIMIT#x"}}"##, false),
            ("MODIFY", ##"{"SK":{"N":"1"}}"##, false),
            ("MODIFY", ##"{"PK":{"S":"#STATE"}}"##, false),
            ("MODIFY", ##"{"SK":{"S":"#BUCKET"}}"##, false),
            ("INSERT", ##"{"SK":{"S":"#STATE"}}"##, false),
            ("MODIFY", "null", false),
        ]
        let bytes = Self.page(cases.map { ($0.event, $0.newImage) })
        let lazy = try GetRecordsDecoder.decode(bytes).records
        let eager = try GetRecordsDecoder.decode(bytes, images: .eager).records
        let keyed = try GetRecordsDecoder.decode(bytes, keyFilter: ZaeLimiterRecordFilter.keyFilter).inStreamOrder
        #expect(lazy.count == cases.count)
        for (index, expected) in cases.enumerated() {
            #expect(ZaeLimiterRecordFilter.accepts(lazy[index]) == expected.accepted, "\(expected.newImage)")
            #expect(ZaeLimiterRecordFilter.accepts(eager[index]) == expected.accepted, "\(expected.newImage)")
            // The engine's filter on records decoded with the key filter: the Keys hold no SK, so
            // an image holding one is decoded and decided by it.
            #expect(
                (keyed[index].map(ZaeLimiterRecordFilter.recordFilter.accepts) ?? false) == expected.accepted,
                "\(expected.newImage)")
        }
    }

    /// REMOVEs of audit items pass (namespaced `{ns}/AUDIT#…` and old un-namespaced `AUDIT#…`), so
    /// audit archival sees them; other REMOVEs, and audit keys in other places, do not.
    @Test func auditRemoves_passByTheirOldImagesPartitionKey() throws {
        let cases: [(event: String, oldImage: String, accepted: Bool)] = [
            ("REMOVE", ##"{"PK":{"S":"a7x3kq/AUDIT#user-1"},"SK":{"S":"#AUDIT#01J"}}"##, true),
            ("REMOVE", ##"{"PK":{"S":"AUDIT#user-1"}}"##, true),
            ("REMOVE", ##"{"PK":{"S":"_/AUDIT#system"}}"##, true),
            ("REMOVE", ##"{"PK":{"S":"ns/AUDIT#e"}}"##, true),
            ("REMOVE", ##"{"PK":{"S":"ns/ENTITY#AUDIT#x"}}"##, false),
            ("REMOVE", ##"{"PK":{"S":"ns/sub/AUDIT#x"}}"##, false),
            ("REMOVE", ##"{"PK":{"S":"ns/audit#x"}}"##, false),
            ("REMOVE", ##"{"PK":{"N":"1"}}"##, false),
            ("REMOVE", ##"{"SK":{"S":"AUDIT#x"}}"##, false),
            ("REMOVE", "null", false),
            ("MODIFY", ##"{"PK":{"S":"ns/AUDIT#x"}}"##, false),
            ("INSERT", ##"{"PK":{"S":"ns/AUDIT#x"}}"##, false),
        ]
        let members = cases.enumerated().map { index, record in
            #"{"eventID":"\#(index)","eventName":"\#(record.event)","dynamodb":{"SequenceNumber":"\#(10 + index)","#
                + #""Keys":{"PK":{"S":"p"}},"OldImage":\#(record.oldImage)}}"#
        }
        let bytes = Array(("{\"Records\":[" + members.joined(separator: ",") + "]}").utf8)
        let lazy = try GetRecordsDecoder.decode(bytes).records
        let eager = try GetRecordsDecoder.decode(bytes, images: .eager).records
        let keyed = try GetRecordsDecoder.decode(bytes, keyFilter: ZaeLimiterRecordFilter.keyFilter).inStreamOrder
        #expect(lazy.count == cases.count)
        for (index, expected) in cases.enumerated() {
            #expect(ZaeLimiterRecordFilter.accepts(lazy[index]) == expected.accepted, "\(expected.oldImage)")
            #expect(ZaeLimiterRecordFilter.accepts(eager[index]) == expected.accepted, "\(expected.oldImage)")
            #expect(
                (keyed[index].map(ZaeLimiterRecordFilter.recordFilter.accepts) ?? false) == expected.accepted,
                "\(expected.oldImage)")
        }
    }

    /// With Keys as DynamoDB writes them (PK and SK), records the key filter rejects have their
    /// images skipped, and images that do not hold the Keys' PK and SK are decoded and decide.
    @Test func keyFilter_skipsOnlyRecordsTheImagesWouldLeaveOut() throws {
        let cases: [(event: String, keys: String, image: String, accepted: Bool, skipped: Bool)] = [
            (
                "MODIFY", ##"{"PK":{"S":"ns/e"},"SK":{"S":"#STATE"}}"##,
                ##"{"PK":{"S":"ns/e"},"SK":{"S":"#STATE"},"x":{"N":"1"}}"##, true, false
            ),
            (
                "MODIFY", ##"{"PK":{"S":"ns/e"},"SK":{"S":"#USAGE#r#2026"}}"##,
                ##"{"SK":{"S":"#USAGE#r#2026"},"PK":{"S":"ns/e"},"x":{"N":"1"}}"##, false, true
            ),
            (
                "INSERT", ##"{"PK":{"S":"ns/e"},"SK":{"S":"#STATE"}}"##, ##"{"PK":{"S":"ns/e"},"SK":{"S":"#STATE"}}"##,
                false, true
            ),
            // Images that disagree with their Keys (never written by DynamoDB): decided by the image.
            (
                "MODIFY", ##"{"PK":{"S":"ns/e"},"SK":{"S":"#USAGE#x"}}"##,
                ##"{"PK":{"S":"ns/e"},"SK":{"S":"#STATE"}}"##, true, false
            ),
            (
                "MODIFY", ##"{"PK":{"S":"ns/e"},"SK":{"S":"#STATE"}}"##,
                ##"{"PK":{"S":"ns/e"},"SK":{"S":"#USAGE#x"}}"##, false, false
            ),
            (
                "MODIFY", ##"{"PK":{"S":"ns/e"},"SK":{"S":"#USAGE#x"}}"##,
                ##"{"PK":{"S":"ns/e"},"SK":{"S":"#USAGE#x"},"S\u004b":{"S":"#STATE"}}"##, true, false
            ),
            (
                "MODIFY", ##"{"PK":{"S":"ns/e"},"SK":{"S":"#USAGE#x"}}"##,
                ##"{"PK":{"S":"ns/e"},"SK":{"S":"#USAGE#x"},"SK":{"S":"#STATE"}}"##, true, false
            ),
            ("MODIFY", ##"{"PK":{"S":"ns/e"},"SK":{"S":"#USAGE#x"}}"##, ##"{"PK":{"S":"ns/e"}}"##, false, false),
            (
                "REMOVE", ##"{"PK":{"S":"ns/AUDIT#e"},"SK":{"S":"#AUDIT#1"}}"##,
                ##"{"PK":{"S":"ns/AUDIT#e"},"SK":{"S":"#AUDIT#1"}}"##, true, false
            ),
            (
                "REMOVE", ##"{"PK":{"S":"ns/e"},"SK":{"S":"#STATE"}}"##, ##"{"PK":{"S":"ns/e"},"SK":{"S":"#STATE"}}"##,
                false, true
            ),
            (
                "REMOVE", ##"{"PK":{"S":"ns/e"},"SK":{"S":"#STATE"}}"##,
                ##"{"PK":{"S":"ns/AUDIT#e"},"SK":{"S":"#STATE"}}"##, true, false
            ),
        ]
        let members = cases.enumerated().map { index, record in
            let image = record.event == "REMOVE" ? "OldImage" : "NewImage"
            return
                #"{"eventID":"\#(index)","eventName":"\#(record.event)","dynamodb":{"SequenceNumber":"\#(10 + index)","#
                + #""Keys":\#(record.keys),"\#(image)":\#(record.image)}}"#
        }
        let bytes = Array(("{\"Records\":[" + members.joined(separator: ",") + "]}").utf8)
        let full = try GetRecordsDecoder.decode(bytes).records
        let keyed = try GetRecordsDecoder.decode(bytes, keyFilter: ZaeLimiterRecordFilter.keyFilter).inStreamOrder
        for (index, expected) in cases.enumerated() {
            #expect(ZaeLimiterRecordFilter.accepts(full[index]) == expected.accepted, "case \(index)")
            #expect(
                (keyed[index].map(ZaeLimiterRecordFilter.recordFilter.accepts) ?? false) == expected.accepted,
                "case \(index)")
            #expect((keyed[index] == nil) == expected.skipped, "case \(index)")
            if !expected.skipped { #expect(keyed[index] == full[index], "case \(index)") }
        }
    }

    /// The key filter's MODIFY verdict (read from the SK's bytes when they are ASCII) must be the
    /// filter's own string comparison on the same SK, for any text.
    @Test func keyFilterVerdict_equalsTheStringComparison() throws {
        // JSON texts: escapes are the JSON's, decoded by the decoder itself.
        let texts = [
            "#STATE", "#STATE ", "#STAT", "#state", "#BUCKET#", "#BUCKET#gpt-4", "#BUCKET", "#USAGE#x", "",
            #"#STATE\u0301"#, #"#BUCKET#\u0301x"#, #"#BUCKET\u0301#x"#, #"\u00e9#STATE"#, #"#ST\u0041TE"#,
            #"#BUCKET#\r\n"#, #"\u212a"#, "#BUCKET#é",
        ]
        var members: [String] = []
        var expected: [Bool] = []
        for text in texts {
            for type in ["S", "N"] {
                let keys = #"{"PK":{"S":"p"},"SK":{"\#(type)":"\#(text)"}}"#
                members.append(
                    #"{"eventID":"\#(members.count)","eventName":"MODIFY","dynamodb":{"SequenceNumber":"\#(10 + members.count)","#
                        + #""Keys":\#(keys)}}"#)
                let decoded = try JSONDecoderString.decode(text)
                expected.append(type == "S" && (decoded == "#STATE" || decoded.hasPrefix("#BUCKET#")))
            }
        }
        let bytes = Array(("{\"Records\":[" + members.joined(separator: ",") + "]}").utf8)
        let records = try GetRecordsDecoder.decode(bytes).records
        for (record, wanted) in zip(records, expected) {
            let keys = try #require(record.lazyKeys)
            #expect(ZaeLimiterRecordFilter.keyFilter.accepts(.modify, keys: keys) == wanted, "\(record.keys)")
        }
        #expect(expected.contains(true) && expected.contains(false))
    }
}

/// A JSON string's value, through the decoder's own string reading.
enum JSONDecoderString {
    static func decode(_ jsonText: String) throws -> String {
        let page =
            #"{"Records":[{"eventID":"1","eventName":"MODIFY","dynamodb":{"SequenceNumber":"1","Keys":{"v":{"S":"\#(jsonText)"}}}}]}"#
        let record = try #require(try GetRecordsDecoder.decode(Array(page.utf8)).records.first)
        return try #require(record.keys["v"]?.s)
    }
}

extension GetRecordsOutput {
    /// The page's records in stream order, nil for a record the key filter skipped.
    fileprivate var inStreamOrder: [StreamRecord?] {
        streamOrder.map { entry in
            if case .record(let index) = entry { return records[index] }
            return nil
        }
    }
}
