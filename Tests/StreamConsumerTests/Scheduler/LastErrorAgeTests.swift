import AWSDynamoDB
import Foundation
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// The status reports a lane's error with its age, so an operator can tell it from a fresh one.
@Suite(.serialized) struct LastErrorAgeTests {
    @Test func aRetriedFailure_staysInTheStatusWithAGrowingAge() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        let all = (0..<10).map { streams.put("s", key: "k\($0)", value: $0) }
        let log = ProcessingLog()
        let table = InMemoryLeaseTable()
        let scheduler = makeScheduler(
            streams: streams, table: table, worker: "w",
            factory: RecordingProcessorFactory(log: log, shouldFail: { _, attempt in attempt < 2 }),
            tunables: fastTunables(batchSize: 10))
        try scheduler.start()
        defer { scheduler.shutdown(timeout: .seconds(5)) }
        #expect(eventually { table.lane(LaneKey(shardId: "s", lane: 0, laneCount: 1))?.checkpoint == all.last })
        guard let first = scheduler.status.shards.first(where: { $0.shardId == "s" }), let age = first.lastErrorAge
        else {
            Issue.record("no error age in \(scheduler.status.shards)")
            return
        }
        #expect(first.lastError?.contains("scripted failure") == true)
        Thread.sleep(forTimeInterval: 0.05)
        let later = scheduler.status.shards.first { $0.shardId == "s" }?.lastErrorAge
        #expect(later.map { $0 > age } == true, "the age grows while no new error comes")
    }
}
