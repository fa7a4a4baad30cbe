import AWSDynamoDB
import Testing

import ZaeLimiter

/// The zae-limiter record filter reads the NewImage's SK alone from lazily decoded records; it
/// must decide as it does on the full image.
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
        #expect(lazy.count == cases.count)
        for (index, expected) in cases.enumerated() {
            #expect(ZaeLimiterRecordFilter.accepts(lazy[index]) == expected.accepted, "\(expected.newImage)")
            #expect(ZaeLimiterRecordFilter.accepts(eager[index]) == expected.accepted, "\(expected.newImage)")
        }
    }
}
