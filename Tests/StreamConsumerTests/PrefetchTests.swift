import AWSDynamoDB
import Foundation
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// Notes whether GetRecords was called while it processed (that is, the next page was prefetched).
final class ProbeProcessor: RecordProcessor, @unchecked Sendable {
    // `overlaps` and `seen` are guarded by `lock`; the processor itself runs on one lane queue.
    let streams: ScriptedStreams
    private let lock = NSLock()
    private var overlaps = 0
    private var seen: [SequenceNumber] = []
    private var calls = 0
    init(streams: ScriptedStreams) { self.streams = streams }

    var overlapCount: Int { lock.withLock { overlaps } }
    var processed: [SequenceNumber] { lock.withLock { seen } }

    func initialize(_ input: InitializationInput) throws {}
    func process(_ batch: RecordBatch, checkpointer: Checkpointer) throws {
        // On the third call the iterators expire while this batch is in flight.
        if lock.withLock({ () -> Bool in
            calls += 1
            return calls == 3
        }) {
            streams.expireIterators()
        }
        let before = streams.calls("GetRecords")
        Thread.sleep(forTimeInterval: 0.03)
        let after = streams.calls("GetRecords")
        lock.withLock {
            if after > before { overlaps += 1 }
            seen += batch.records.map(\.sequenceNumber)
        }
    }
    func leaseLost(_ input: LeaseLostInput) {}
    func shardEnded(_ input: ShardEndedInput) throws {}
    func shutdownRequested(_ input: ShutdownRequestedInput) throws {}
}

struct ProbeFactory: RecordProcessorFactory {
    let probe: ProbeProcessor
    func makeProcessor(shardId: String, lane: Int, laneCount: Int) -> RecordProcessor { probe }
}

@Suite(.serialized) struct PrefetchTests {
    @Test func nextPageIsFetchedWhileTheLanesWork_andNothingIsDeliveredTwice() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        streams.pageSize = 5
        // A GetRecords round trip of 20 ms: a prefetch is still under way while a 30 ms batch runs.
        streams.getRecordsDelay = .milliseconds(20)
        let all = (0..<30).map { streams.put("s", key: "k\($0 % 4)", value: $0) }
        let probe = ProbeProcessor(streams: streams)
        let scheduler = makeScheduler(
            streams: streams, table: InMemoryLeaseTable(), worker: "w", factory: ProbeFactory(probe: probe),
            tunables: fastTunables(batchSize: 5))
        try scheduler.start()
        #expect(eventually { probe.processed.count >= all.count })
        let more = (30..<50).map { streams.put("s", key: "k\($0 % 4)", value: $0) }
        #expect(eventually { Set(probe.processed) == Set(all + more) })
        scheduler.shutdown(timeout: .seconds(5))
        #expect(probe.overlapCount >= 3)
        #expect(probe.processed.count == all.count + more.count)
    }

    @Test func batcherDropsWhatWasProcessed() {
        var batcher = Batcher()
        batcher.add((1...6).map { record($0, key: "k") }, now: .zero)
        batcher.drop(through: SequenceNumber("4")!)
        #expect(batcher.pending.map(\.sequenceNumber.digits) == ["5", "6"])
        batcher.drop(through: SequenceNumber("10")!)
        #expect(batcher.isEmpty)
        #expect(!batcher.isDue(now: .seconds(99), batchSize: 1, window: .zero, atShardEnd: true))
    }
}
