import AWSCore
import AWSDynamoDB
import Logging
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// The fetcher keeps its shard iterator through weather: an iterator is valid for 15 minutes and
/// may be used again, and resolving LATEST a second time would skip what arrived in between.
@Suite struct RecordFetcherTests {
    private func fetcher(_ streams: ScriptedStreams, start: ShardIteratorPosition) -> RecordFetcher {
        RecordFetcher(
            client: streams, streamArn: streams.streamArn, shardId: "s0", start: start,
            metrics: ConsumerMetrics(), clock: ManualClock(), logger: Logger(label: "test"))
    }

    @Test(arguments: [
        ("ThrottlingException", AWSError.Kind.throttling), ("LimitExceededException", .throttling),
        ("InternalServerError", .transient), ("CurlTimeout", .transient), ("ExpiredTokenException", .credentials),
    ])
    func weather_keepsTheIteratorResolvedAtLatest(code: String, kind: AWSError.Kind) {
        let streams = ScriptedStreams()
        streams.addShard("s0")
        _ = streams.put("s0", key: "before", value: 1)
        streams.inject(.init(operation: "GetRecords", onCall: 1, times: 3, code: code, kind: kind))
        let fetcher = fetcher(streams, start: .latest)
        for _ in 0..<3 {
            guard case .failed = fetcher.fetch(limit: 100, resumeAfter: nil) else {
                Issue.record("the injected \(code) did not fail the fetch")
                return
            }
        }
        // Written after LATEST was resolved, while the calls failed: it must be read.
        let written = streams.put("s0", key: "during", value: 2)
        guard case .page(let records, _) = fetcher.fetch(limit: 100, resumeAfter: nil) else {
            Issue.record("no page after the weather")
            return
        }
        #expect(records.records.map(\.sequenceNumber) == [written])
        #expect(streams.calls("GetShardIterator") == 1)
    }

    @Test func anExpiredIterator_isReplacedAfterTheLastProcessedRecord() {
        let streams = ScriptedStreams()
        streams.addShard("s0")
        let first = streams.put("s0", key: "a", value: 1)
        let second = streams.put("s0", key: "b", value: 2)
        let fetcher = fetcher(streams, start: .trimHorizon)
        guard case .page(let page, _) = fetcher.fetch(limit: 100, resumeAfter: nil) else {
            Issue.record("no first page")
            return
        }
        #expect(page.records.map(\.sequenceNumber) == [first, second])
        streams.expireIterators()
        guard case .restarted = fetcher.fetch(limit: 100, resumeAfter: first) else {
            Issue.record("an expired iterator did not restart")
            return
        }
        guard case .page(let again, _) = fetcher.fetch(limit: 100, resumeAfter: first) else {
            Issue.record("no page after the restart")
            return
        }
        #expect(again.records.map(\.sequenceNumber) == [second])
        #expect(streams.calls("GetShardIterator") == 2)
    }
}
