import AWSCore
import AWSDynamoDB
import Foundation
import StreamConsumerTestKit
import TestPeers
import Testing

@testable import StreamConsumer

/// Everything at once: rollovers, workers crashing and joining, live lane count changes,
/// throttling and transient lease table errors. Every record must be applied exactly once.
@Suite(.serialized) struct ChaosTests {
    @Test func rolloversCrashesLaneChangesAndFaults_stillExactlyOnce() throws {
        let streams = ScriptedStreams()
        streams.pageSize = 7
        for index in 0..<6 { streams.addShard("r\(index)") }
        streams.inject(
            .init(operation: "GetRecords", onCall: 5, times: 4, code: "LimitExceededException", kind: .throttling))
        streams.inject(
            .init(operation: "GetRecords", onCall: 40, times: 2, code: "ExpiredIteratorException", kind: .fatal))
        let table = InMemoryLeaseTable()
        let flaky = FailureBudget(count: 25)
        let chance = SharedSeededRandom(.announced(#function))
        table.setHook { operation in
            guard ["renewLease", "checkpointLane", "takeLease", "listLeases"].contains(operation) else { return }
            if chance.next(in: 0..<10) == 0, flaky.take() {
                throw AWSError(kind: .transient, code: "InternalServerError", message: "chaos", operation: operation)
            }
        }
        let log = ProcessingLog()
        let factory = RecordingProcessorFactory(log: log, mode: .transactional(table), delay: .milliseconds(2))
        var all: [SequenceNumber] = []
        // Open shards with the lineage they continue: a key keeps to its lineage, as an item
        // keeps to its partition, so per-key order spans parents and children.
        var open = (0..<6).map { (shard: "r\($0)", lineage: $0) }
        var generation = 0
        func write(rounds: Int) {
            for round in 0..<rounds {
                for (shard, lineage) in open {
                    all.append(streams.put(shard, key: "L\(lineage)-k\(round % 4)", value: round))
                }
            }
        }
        func rollover(_ count: Int) {
            for _ in 0..<count {
                let parent = open.removeFirst()
                generation += 1
                let child = "g\(generation)"
                streams.rollover(parent.shard, into: [child])
                open.append((child, parent.lineage))
            }
        }
        var workers: [ShardScheduler] = []
        var nextWorker = 0
        func startWorker(_ laneCount: Int) throws {
            nextWorker += 1
            let worker = makeScheduler(
                streams: streams, table: table, worker: "w\(nextWorker)", factory: factory,
                tunables: fastTunables(batchSize: 9, parallelization: laneCount))
            try worker.start()
            workers.append(worker)
        }
        write(rounds: 10)
        try startWorker(1)
        try startWorker(2)
        try startWorker(3)
        for step in 0..<6 {
            write(rounds: 8)
            rollover(2)
            write(rounds: 5)
            Thread.sleep(forTimeInterval: 0.15)
            switch step % 3 {
            case 0:
                workers.removeFirst().simulateCrash()
                try startWorker(1 + step % 4)
            case 1:
                try workers[0].update(fastTunables(batchSize: 9, parallelization: 1 + (step + 1) % 4))
            default:
                workers.removeFirst().shutdown(timeout: .seconds(5))
                try startWorker(2)
            }
        }
        write(rounds: 5)
        let done = eventually(timeout: .seconds(30)) { table.allEffects.count == all.count }
        for worker in workers { worker.shutdown(timeout: .seconds(5)) }
        #expect(done, "applied \(table.allEffects.count) of \(all.count)")
        let twice = table.allEffects.filter { $0.value != 1 }
        #expect(twice.isEmpty, "applied more than once: \(twice.count)")
        if !twice.isEmpty {
            // How the checkpoints moved is the only way to tell a race here after the fact.
            for line in table.history { print("lease table: \(line)") }
            for call in log.allCalls where call.succeeded {
                print(
                    "applied \(call.shardId) lane \(call.lane)/\(call.laneCount): \(call.sequenceNumbers.map(\.digits))"
                )
            }
        }
        #expect(Set(table.allEffects.keys) == Set(all.map(\.digits)))
        for (_, sequences) in log.appliedByKey { #expect(sequences == sequences.sorted()) }
    }
}
