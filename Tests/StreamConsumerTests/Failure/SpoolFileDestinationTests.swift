import AWSDynamoDB
import Foundation
import Testing

@testable import StreamConsumer

@Suite struct SpoolFileDestinationTests {
    @Test func writesOneJSONLinePerFailure_inDynamoDBStreamsForm() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString).jsonl")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let destination = try SpoolFileDestination(path: path)
        let first = StreamRecord(
            eventID: "e1", eventName: .modify, approximateCreationDateTime: 1_800_000_000,
            keys: ["PK": .s("a"), "SK": .s("#STATE")],
            newImage: ["n": .n("1.50"), "b": .b([1, 2]), "l": .l([.bool(true), .null])],
            sequenceNumber: SequenceNumber("100000000000000000001")!)
        var second = first
        second.sequenceNumber = SequenceNumber("100000000000000000009")!
        second.eventName = .remove
        try destination.send(
            FailedRecords(
                streamArn: "arn", shardId: "shard-1", lane: 2, reason: .retriesExhausted, attempts: 4,
                lastError: "boom",
                records: [first, second]))
        try destination.send(
            FailedRecords(
                streamArn: "arn", shardId: "shard-1", lane: 0, reason: .maxRecordAgeExceeded, attempts: 0,
                lastError: nil,
                records: [first]))
        #expect(destination.sentRecordCount == 3)
        // Reopening appends rather than truncates.
        let reopened = try SpoolFileDestination(path: path)
        try reopened.send(
            FailedRecords(
                streamArn: "arn", shardId: "shard-2", lane: 0, reason: .retriesExhausted, attempts: 1, lastError: nil,
                records: [first]))
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        let object = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        #expect(object["shardId"] as? String == "shard-1")
        #expect(object["firstSequenceNumber"] as? String == "100000000000000000001")
        #expect(object["lastSequenceNumber"] as? String == "100000000000000000009")
        #expect(object["reason"] as? String == "retriesExhausted")
        #expect(object["attempts"] as? Int == 4)
        let records = object["records"] as! [[String: Any]]
        #expect(records.count == 2)
        #expect(records[1]["eventName"] as? String == "REMOVE")
        let dynamodb = records[0]["dynamodb"] as! [String: Any]
        #expect((dynamodb["Keys"] as? [String: [String: String]])?["PK"] == ["S": "a"])
        let image = dynamodb["NewImage"] as! [String: [String: Any]]
        #expect(image["n"]?["N"] as? String == "1.50")
        #expect(image["b"]?["B"] as? String == "AQI=")
    }
}
