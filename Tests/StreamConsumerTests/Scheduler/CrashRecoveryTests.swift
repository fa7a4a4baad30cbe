import AWSDynamoDB
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

@Suite(.serialized) struct CrashRecoveryTests {
    @Test func crashMidBatch_thenTakeover_appliesEveryRecordExactlyOnce() throws {
        let (streams, all) = roundRobinStreams(shards: 4, rounds: 60, keys: 5)
        let table = InMemoryLeaseTable()
        let log = ProcessingLog()
        // Slow transactional processors with two lanes: a crash always lands mid-stream.
        let factory = RecordingProcessorFactory(log: log, mode: .transactional(table), delay: .milliseconds(15))
        let tunables = fastTunables(batchSize: 6, parallelization: 2)
        let first = makeScheduler(streams: streams, table: table, worker: "w1", factory: factory, tunables: tunables)
        try first.start()
        #expect(eventually { table.allEffects.count >= 40 })
        first.simulateCrash()
        let appliedAtCrash = table.allEffects.count
        #expect(appliedAtCrash < all.count)
        let second = makeScheduler(streams: streams, table: table, worker: "w2", factory: factory, tunables: tunables)
        try second.start()
        #expect(eventually(timeout: .seconds(20)) { table.allEffects.count == all.count })
        second.shutdown(timeout: .seconds(5))
        #expect(table.allEffects.values.allSatisfy { $0 == 1 }, "no record applied twice across the crash")
        #expect(Set(table.allEffects.keys) == Set(all.map(\.digits)))
        for (_, sequences) in log.appliedByKey { #expect(sequences == sequences.sorted()) }
    }
}
