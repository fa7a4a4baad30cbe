import AWSDynamoDB
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

@Suite(.serialized) struct LeaseStealTests {
    @Test func stolenLease_stopsTheOldConsumerWithLeaseLost_andNothingIsAppliedTwice() throws {
        let (streams, all) = roundRobinStreams(shards: 4, rounds: 40, keys: 3)
        let table = InMemoryLeaseTable()
        let log = ProcessingLog()
        let factory = RecordingProcessorFactory(log: log, mode: .transactional(table), delay: .milliseconds(10))
        let first = makeScheduler(
            streams: streams, table: table, worker: "w1", factory: factory, tunables: fastTunables(batchSize: 4))
        try first.start()
        #expect(eventually { table.allLeases.filter { $0.owner == "w1" }.count == 4 })
        // Every processor of w1 is initialized (a lease lost before that has nobody to tell).
        #expect(eventually { first.status.shards.filter { $0.state == "processing" }.count == 4 })
        let second = makeScheduler(
            streams: streams, table: table, worker: "w2", factory: factory, tunables: fastTunables(batchSize: 4))
        try second.start()
        // w2 steals one lease per round until both hold two; w1's consumers of those shards stop.
        #expect(eventually { table.allLeases.filter { $0.owner == "w2" }.count == 2 })
        func describe(_ scheduler: ShardScheduler) -> String {
            scheduler.status.shards.map { "\($0.shardId) \($0.owner ?? "-") \($0.state)" }.joined(separator: ", ")
        }
        let lostTwice = eventually(timeout: .seconds(20)) {
            log.allEvents.filter { $0.hasPrefix("leaseLost") }.count >= 2
        }
        #expect(lostTwice, "events \(log.allEvents); w1 [\(describe(first))]; w2 [\(describe(second))]")
        // w1 keeps consumers for its two remaining shards only.
        #expect(eventually { first.status.shards.filter { $0.state == "processing" }.count == 2 })
        #expect(eventually { table.allEffects.count == all.count })
        first.shutdown(timeout: .seconds(5))
        second.shutdown(timeout: .seconds(5))
        #expect(table.allEffects.values.allSatisfy { $0 == 1 })
        #expect(Set(table.allEffects.keys) == Set(all.map(\.digits)))
    }
}
