import AWSDynamoDB
import Foundation
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// Idle backoff: a shard that stays empty polls less and less often, never less than once per
/// batching window; a low-latency profile (window ≤ idle poll) keeps polling at the idle pace.
@Suite(.serialized) struct IdlePacingTests {
    @Test func pause_growsWithTheEmptyTime_fromTheIdlePoll_upToTheBatchingWindow() {
        let pauses = [0, 500, 1000, 2500, 4000, 5000, 60_000].map {
            IdlePacing.pause(emptyFor: .milliseconds($0), idlePoll: .seconds(1), batchingWindow: .seconds(5))
        }
        #expect(pauses == [1000, 1000, 1000, 2500, 4000, 5000, 5000].map { Duration.milliseconds($0) })
        #expect(
            IdlePacing.pause(emptyFor: .seconds(86_400), idlePoll: .seconds(10), batchingWindow: .seconds(300))
                == .seconds(300))
    }

    @Test func pause_staysAtTheIdlePoll_whenTheWindowIsNotLonger() {
        for seconds in [0, 1, 2, 9, 3600] {
            #expect(
                IdlePacing.pause(emptyFor: .seconds(seconds), idlePoll: .milliseconds(250), batchingWindow: .zero)
                    == .milliseconds(250))
            #expect(
                IdlePacing.pause(emptyFor: .seconds(seconds), idlePoll: .seconds(1), batchingWindow: .seconds(1))
                    == .seconds(1))
        }
    }

    /// GetRecords calls of one idle shard in `seconds`, then the time a record written after that
    /// idle spell takes to reach the processor.
    func idleShard(idlePoll: Duration, window: Duration, seconds: Double) throws -> (calls: Int, firstRecord: Duration)
    {
        let streams = ScriptedStreams()
        streams.addShard("quiet")
        let log = ProcessingLog()
        var tunables = fastTunables(batchSize: 100)
        tunables.idlePoll = idlePoll
        tunables.batchingWindow = window
        let scheduler = makeScheduler(
            streams: streams, table: InMemoryLeaseTable(), worker: "w", factory: RecordingProcessorFactory(log: log),
            tunables: tunables)
        try scheduler.start()
        defer { scheduler.shutdown(timeout: .seconds(5)) }
        #expect(eventually { scheduler.status.shards.first?.state == "processing" })
        let before = streams.calls("GetRecords")
        Thread.sleep(forTimeInterval: seconds)
        let calls = streams.calls("GetRecords") - before
        let written = ContinuousClock.now
        streams.put("quiet", key: "k", value: 1)
        #expect(eventually { log.applied.count == 1 })
        return (calls, ContinuousClock.now - written)
    }

    @Test func idleShard_backsOff_yetDeliversWithinAboutTwoWindows() throws {
        // Pauses 20, 20, 40, 80, 160, 320, 320 ms…: about 9 calls in 1.5 s instead of 75.
        let (calls, firstRecord) = try idleShard(idlePoll: .milliseconds(20), window: .milliseconds(320), seconds: 1.5)
        #expect(calls <= 15, "GetRecords calls of an idle shard in 1.5 s: \(calls)")
        #expect(calls >= 3)
        // Fetched within one window (the longest pause), delivered one window later.
        #expect(firstRecord < .milliseconds(640 + 1000), "first record after 1.5 s idle took \(firstRecord)")
    }

    @Test func idleShard_keepsTheIdlePace_whenTheWindowIsZero() throws {
        let (calls, firstRecord) = try idleShard(idlePoll: .milliseconds(20), window: .zero, seconds: 1.5)
        // Every 20 ms: 75 calls on an idle machine; a loaded one stretches the sleeps a little.
        #expect(calls >= 30, "GetRecords calls of an idle shard in 1.5 s: \(calls)")
        #expect(firstRecord < .milliseconds(20 + 1000))
    }
}
