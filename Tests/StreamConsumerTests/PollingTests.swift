import AWSDynamoDB
import Foundation
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// GetRecords pacing: idle shards poll at the idle pace, trickling shards about five times a second.
@Suite(.serialized) struct PollingTests {
    @Test func idleAndTricklingShards_pollAtABoundedRate_andBatchByTheWindow() throws {
        let streams = ScriptedStreams()
        streams.addShard("idle")
        streams.addShard("trickle")
        let log = ProcessingLog()
        var tunables = fastTunables(batchSize: 100)
        tunables.idlePoll = .milliseconds(250)
        tunables.batchingWindow = .milliseconds(600)
        let scheduler = makeScheduler(
            streams: streams, table: InMemoryLeaseTable(), worker: "w", factory: RecordingProcessorFactory(log: log),
            tunables: tunables)
        try scheduler.start()
        #expect(eventually { scheduler.status.shards.filter { $0.state == "processing" }.count == 2 })
        let before = streams.calls("GetRecords")
        let started = ContinuousClock.now
        var written = 0
        while ContinuousClock.now - started < .milliseconds(1200) {
            streams.put("trickle", key: "k", value: written)
            written += 1
            Thread.sleep(forTimeInterval: 0.02)
        }
        let calls = streams.calls("GetRecords") - before
        #expect(eventually { log.applied.count == written })
        scheduler.shutdown(timeout: .seconds(5))
        // 1.2 s: the idle shard ≈ 4 calls (250, 250, 500 ms: idle backoff up to the window),
        // the trickling one ≈ 6 (every 200 ms).
        #expect(calls <= 16, "GetRecords calls in 1.2 s: \(calls)")
        #expect(calls >= 6)
        // Records arrived every 20 ms but were delivered in window-sized batches, not one by one.
        let batches = log.allCalls.filter { $0.shardId == "trickle" }.count
        #expect(batches <= 4, "batches: \(batches)")
    }
}
