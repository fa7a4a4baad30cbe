import AWSDynamoDB
import Foundation
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

@Suite struct ShardDetectorTests {
    @Test func listsEveryPage_atMostTenCallsPerSecond() throws {
        let streams = ScriptedStreams()
        for index in 0..<10 { streams.addShard(String(format: "shard-%02d", index)) }
        streams.rollover("shard-03", into: ["shard-10", "shard-11"])
        streams.describePageSize = 3
        let detector = ShardDetector(client: streams, streamArn: streams.streamArn, logger: quietLogger)
        let started = ContinuousClock.now
        let graph = try detector.listShards()
        let elapsed = ContinuousClock.now - started
        #expect(graph.shards.count == 12)
        #expect(streams.calls("DescribeStream") == 4)
        // Four calls, spaced by 100 ms at least.
        #expect(elapsed >= .milliseconds(290))
        #expect(graph.children["shard-03"] == ["shard-10", "shard-11"])
        #expect(graph.isClosed("shard-03"))
    }

    @Test func throttledPagesAreRetried() throws {
        let streams = ScriptedStreams()
        for index in 0..<4 { streams.addShard("s\(index)") }
        streams.inject(
            .init(operation: "DescribeStream", onCall: 2, times: 2, code: "LimitExceededException", kind: .throttling))
        let graph = try ShardDetector(client: streams, streamArn: streams.streamArn, logger: quietLogger).listShards()
        #expect(graph.shards.count == 4)
        #expect(streams.faultsFired.count == 2)
    }

    @Test func repeatedCursor_isAnError_notAShorterList() throws {
        let streams = RepeatingCursorStreams()
        let detector = ShardDetector(client: streams, streamArn: "arn:stream", logger: quietLogger)
        #expect(throws: ConsumerError.self) { try detector.listShards() }
        #expect(streams.calls == 2)
    }
}

/// DescribeStream whose second page names the same cursor again (a broken or replayed page).
private final class RepeatingCursorStreams: DynamoDBStreamsAPI, @unchecked Sendable {
    // Used from the test's thread only.
    var calls = 0
    func listStreams(_ input: ListStreamsInput) throws -> ListStreamsOutput { fatalError("not used") }
    func describeStream(_ input: DescribeStreamInput) throws -> StreamDescription {
        calls += 1
        return StreamDescription(
            streamArn: input.streamArn, streamStatus: "ENABLED",
            shards: [Shard(shardId: "s\(calls)")], lastEvaluatedShardId: "s1")
    }
    func getShardIterator(_ input: GetShardIteratorInput) throws -> String { fatalError("not used") }
    func getRecords(_ input: GetRecordsInput) throws -> GetRecordsOutput { fatalError("not used") }
}

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
