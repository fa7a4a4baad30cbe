import AWSCore
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

/// The shard consumer performs the retrieval state machine's actions on real threads: the
/// prefetch overlaps the lanes, an iterator that expires meanwhile loses and repeats nothing.
/// (The timing itself is tested on a manual clock in `PollingTests`, `PrefetchTests` and
/// `IdlePacingTests`.)
@Suite(.serialized) struct RetrievalWiringTests {
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

    @Test func stopSignal_waitsOnTheInjectedClock() {
        let clock = ManualClock()
        let stop = StopLatch(clock: clock)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            // An hour of the manual clock: it ends only when the test moves the clock.
            #expect(!stop.wait(.seconds(3600)))
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 0.2) == .timedOut)
        // The waiting thread may start late on a busy machine: move the clock until it is done.
        var ended = false
        for _ in 0..<100 where !ended {
            clock.advance(by: .seconds(3600))
            ended = done.wait(timeout: .now() + 0.1) == .success
        }
        #expect(ended)
    }

    @Test func wakeup_endsAWaitOnTheInjectedClock() {
        let clock = ManualClock()
        let wakeup = Wakeup(clock: clock)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            wakeup.wait(.seconds(3600))
            done.signal()
        }
        // Real time passes, the manual clock does not: still waiting.
        #expect(done.wait(timeout: .now() + 0.2) == .timedOut)
        wakeup.wake()
        #expect(done.wait(timeout: .now() + 5) == .success)
    }
}
