import AWSCore
import AWSDynamoDB
import Foundation
import InMemoryLogging
import Logging
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// Stream faults: each one ends with every record applied, none twice unless data was lost.
@Suite(.serialized) struct ShardConsumerFaultTests {
    func run(
        _ streams: ScriptedStreams, tunables: ConsumerTunables = fastTunables(batchSize: 10),
        until done: (ProcessingLog, InMemoryLeaseTable) -> Bool, whileRunning: () -> Void = {}
    ) throws -> (ProcessingLog, InMemoryLeaseTable) {
        let table = InMemoryLeaseTable()
        let log = ProcessingLog()
        let scheduler = makeScheduler(
            streams: streams, table: table, worker: "w", factory: RecordingProcessorFactory(log: log),
            tunables: tunables)
        try scheduler.start()
        whileRunning()
        let finished = eventually { done(log, table) }
        scheduler.shutdown(timeout: .seconds(5))
        #expect(finished)
        return (log, table)
    }

    @Test func expiredIterator_resumesAfterTheLastProcessedRecord() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        var all = (0..<30).map { streams.put("s", key: "k\($0 % 4)", value: $0) }
        let (log, _) = try run(
            streams, until: { log, _ in Set(log.applied) == Set(all) },
            whileRunning: {
                #expect(eventually { streams.calls("GetRecords") >= 1 })
                streams.expireIterators()
                all += (30..<60).map { streams.put("s", key: "k\($0 % 4)", value: $0) }
            })
        #expect(log.applied.count == all.count, "nothing skipped, nothing repeated")
    }

    @Test func expiredIteratorFault_onTheNthCall_isRecovered() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        streams.pageSize = 5
        let all = (0..<40).map { streams.put("s", key: "k\($0 % 4)", value: $0) }
        streams.inject(.init(operation: "GetRecords", onCall: 3, code: "ExpiredIteratorException", kind: .fatal))
        let (log, _) = try run(streams, until: { log, _ in Set(log.applied) == Set(all) })
        #expect(streams.faultsFired == ["ExpiredIteratorException"])
        #expect(log.applied.count == all.count)
    }

    @Test func trimmedData_isLoud_andContinuesAtTrimHorizon() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        streams.pageSize = 5
        let all = (0..<40).map { streams.put("s", key: "k", value: $0) }
        // Processing is slow; meanwhile retention drops records 0..<30, some unread.
        let table = InMemoryLeaseTable()
        let log = ProcessingLog()
        let logs = InMemoryLogHandler()
        let scheduler = ShardScheduler(
            configuration: fastConfiguration(streams: streams, worker: "w", tunables: fastTunables(batchSize: 5)),
            processorFactory: RecordingProcessorFactory(log: log, delay: .milliseconds(20)),
            makeStreamsClient: { streams }, makeLeaseStore: { table },
            failureDestination: InMemoryFailureDestination(),
            logger: Logger(label: "test", factory: { _ in logs }))
        try scheduler.start()
        #expect(eventually { log.applied.count >= 5 })
        streams.trim("s", before: 30)
        #expect(eventually { log.applied.contains(all.last!) })
        scheduler.shutdown(timeout: .seconds(5))
        // Records 30… all arrive once; what was trimmed before being read is lost, loudly.
        #expect(Set(all[30...]).isSubset(of: Set(log.applied)))
        #expect(log.applied.count == Set(log.applied).count)
        #expect(log.applied.count < all.count)
        #expect(streams.calls("GetShardIterator") >= 2)
        #expect(
            logs.entries.contains { $0.level == .error && $0.message.description.contains("trimmed") },
            "an error-level log")
    }

    @Test func resourceNotFound_isShardEnd() throws {
        let streams = ScriptedStreams()
        streams.addShard("gone")
        streams.addShard("other")
        let records = (0..<5).map { streams.put("gone", key: "k", value: $0) }
        let (log, table) = try run(
            streams,
            until: { log, _ in
                Set(log.applied).isSuperset(of: records) && log.allEvents.contains("shardEnded gone lane 0")
            },
            whileRunning: {
                _ = eventually { streams.calls("GetRecords") >= 2 }
                streams.delete("gone")
            })
        // The processor heard of the end; the lease ended at SHARD_END, or was already dropped
        // because the shard left the stream.
        #expect(log.allEvents.contains("shardEnded gone lane 0"))
        #expect(table.lease("gone").map { $0.checkpoint == .shardEnd && $0.owner == nil } ?? true)
        #expect(table.lease("other") != nil)
    }

    @Test func throttling_backsOffAndLosesNothing() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        streams.pageSize = 10
        let all = (0..<50).map { streams.put("s", key: "k\($0 % 3)", value: $0) }
        streams.inject(
            .init(operation: "GetRecords", onCall: 2, times: 3, code: "LimitExceededException", kind: .throttling))
        streams.inject(
            .init(operation: "GetShardIterator", onCall: 1, times: 1, code: "ThrottlingException", kind: .throttling))
        streams.inject(
            .init(operation: "DescribeStream", onCall: 1, times: 2, code: "ThrottlingException", kind: .throttling))
        let (log, _) = try run(streams, until: { log, _ in Set(log.applied) == Set(all) })
        #expect(streams.faultsFired.filter { $0 == "LimitExceededException" }.count == 3)
        #expect(streams.faultsFired.contains("ThrottlingException"))
        #expect(log.applied.count == all.count)
        for (_, sequences) in log.appliedByKey { #expect(sequences == sequences.sorted()) }
    }

    @Test func transientLeaseTableFailures_areRetried() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        let all = (0..<20).map { streams.put("s", key: "k", value: $0) }
        let table = InMemoryLeaseTable()
        let failures = FailureBudget(count: 3)
        table.setHook { operation in
            if operation == "checkpointLane", failures.take() {
                throw AWSError(
                    kind: .transient, code: "InternalServerError", message: "scripted", operation: "UpdateItem")
            }
        }
        let log = ProcessingLog()
        let scheduler = makeScheduler(
            streams: streams, table: table, worker: "w", factory: RecordingProcessorFactory(log: log))
        try scheduler.start()
        #expect(eventually { table.lane(LaneKey(shardId: "s", lane: 0, laneCount: 1))?.checkpoint == all.last })
        scheduler.shutdown(timeout: .seconds(5))
        #expect(failures.remaining == 0)
        #expect(log.applied.count == all.count)
    }
}

/// Counts down scripted failures across threads.
final class FailureBudget: @unchecked Sendable {
    // `left` is guarded by `lock`.
    private let lock = NSLock()
    private var left: Int
    init(count: Int) { left = count }
    func take() -> Bool {
        lock.withLock {
            guard left > 0 else { return false }
            left -= 1
            return true
        }
    }
    var remaining: Int { lock.withLock { left } }
}
