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

    @Test func aThrottledFirstPage_isRetried_notReturnedAsAnEmptyListing() throws {
        let streams = ScriptedStreams()
        for index in 0..<4 { streams.addShard("s\(index)") }
        streams.describePageSize = 3
        streams.inject(
            .init(operation: "DescribeStream", onCall: 1, times: 2, code: "ThrottlingException", kind: .throttling))
        let graph = try ShardDetector(client: streams, streamArn: streams.streamArn, logger: quietLogger).listShards()
        #expect(graph.shards.count == 4)
        #expect(streams.calls("DescribeStream") == 4)
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
