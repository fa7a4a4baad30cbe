import AWSCore
import AWSDynamoDB
import Foundation
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// Throttling and outages are waited out, environmental errors halt the shard, and only
/// deterministic failures are retried, bisected and spooled (`FailureClass`).
@Suite(.serialized) struct LaneWeatherTests {
    static func throttled(_ operation: String = "TransactWriteItems") -> AWSError {
        AWSError(
            kind: .throttling, code: "ProvisionedThroughputExceededException", message: "slow down",
            operation: operation)
    }

    static func accessDenied() -> AWSError {
        AWSError(
            kind: .fatal, code: "AccessDeniedException", message: "not authorized", operation: "TransactWriteItems",
            httpStatus: 400)
    }

    /// Switchable from the test thread while the lanes read it.
    final class Switch: @unchecked Sendable {
        // `on` is guarded by `lock`.
        private let lock = NSLock()
        private var on: Bool
        init(_ on: Bool) { self.on = on }
        var isOn: Bool {
            get { lock.withLock { on } }
            set { lock.withLock { on = newValue } }
        }
    }

    /// Counts progress reports of one shard and the longest gap between two of them.
    final class ProgressRecorder: @unchecked Sendable {
        // Guarded by `lock`.
        private let lock = NSLock()
        private var last: ContinuousClock.Instant?
        private var gap = Duration.zero
        private var reports = 0
        func report(_ component: ConsumerComponent) {
            guard case .shardConsumer = component else { return }
            let now = ContinuousClock.now
            lock.withLock {
                if let last { gap = max(gap, last.duration(to: now)) }
                last = now
                reports += 1
            }
        }
        func reset() { lock.withLock { (last, gap, reports) = (nil, .zero, 0) } }
        var longestGap: Duration { lock.withLock { gap } }
        var count: Int { lock.withLock { reports } }
    }

    func tunables(maxRetries: Int = 1, maxAge: Duration? = nil) -> ConsumerTunables {
        var tunables = fastTunables(batchSize: 20, maxRetries: maxRetries, bisect: true)
        tunables.maxRecordAge = maxAge
        tunables.haltedRetryBackoff = .milliseconds(40)
        return tunables
    }

    @Test func longThrottling_neverSpoolsOrExhausts_andAppliesEveryRecordOnceItClears() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        let all = (0..<20).map { streams.put("s", key: "k\($0 % 5)", value: $0) }
        let log = ProcessingLog()
        let destination = InMemoryFailureDestination()
        let table = InMemoryLeaseTable()
        // Far more throttled attempts than maxRetryAttempts (1) allows for deterministic failures.
        let factory = RecordingProcessorFactory(log: log) { _, attempt in attempt <= 60 ? Self.throttled() : nil }
        let scheduler = makeScheduler(
            streams: streams, table: table, worker: "w", factory: factory, destination: destination,
            tunables: tunables())
        try scheduler.start()
        #expect(eventually { scheduler.status.shards.first?.state == "throttled" })
        #expect(scheduler.status.shards.first?.condition?.code == "ProvisionedThroughputExceededException")
        let finished = eventually(timeout: .seconds(20)) { Set(log.applied) == Set(all) }
        let status = scheduler.status
        scheduler.shutdown(timeout: .seconds(5))
        #expect(finished)
        #expect(destination.sentRecordCount == 0)
        #expect(log.applied.count == all.count, "every record applied exactly once")
        #expect(log.allCalls.filter { !$0.succeeded }.count == 60)
        #expect(log.allCalls.allSatisfy { $0.sequenceNumbers.count == all.count }, "no bisecting for weather")
        #expect(status.bisects == 0)
        #expect(status.shards.first?.condition == nil, "the condition clears after recovery")
        #expect(table.lane(LaneKey(shardId: "s", lane: 0, laneCount: 1))?.checkpoint == all.last)
    }

    @Test func throttledRecords_thatPassTheMaximumAge_areSpooled_theRestApplied() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        let now = Date().timeIntervalSince1970
        // Young when fetched, too old after a few seconds of throttling.
        let aging = (0..<3).map { streams.put("s", key: "a", value: $0, createdAt: now - 1) }
        let fresh = (3..<6).map { streams.put("s", key: "b", value: $0, createdAt: now + 3600) }
        let agingSet = Set(aging)
        let log = ProcessingLog()
        let destination = InMemoryFailureDestination()
        let factory = RecordingProcessorFactory(log: log) { record, _ in
            agingSet.contains(record.sequenceNumber) ? Self.throttled() : nil
        }
        let scheduler = makeScheduler(
            streams: streams, table: InMemoryLeaseTable(), worker: "w", factory: factory, destination: destination,
            tunables: tunables(maxRetries: 1, maxAge: .seconds(3)))
        try scheduler.start()
        let finished = eventually(timeout: .seconds(15)) { Set(log.applied) == Set(fresh) }
        scheduler.shutdown(timeout: .seconds(5))
        #expect(finished)
        #expect(destination.received.flatMap(\.records).map(\.sequenceNumber) == aging)
        #expect(destination.received.allSatisfy { $0.reason == .maxRecordAgeExceeded })
        #expect(log.allCalls.filter { !$0.succeeded }.count > 3, "throttled past maxRetryAttempts without spooling")
    }

    @Test func infiniteRetries_recheckTheRecordAge() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        let now = Date().timeIntervalSince1970
        let poison = streams.put("s", key: "a", value: 0, createdAt: now - 1)
        let log = ProcessingLog()
        let destination = InMemoryFailureDestination()
        let factory = RecordingProcessorFactory(log: log) { record, _ in record.sequenceNumber == poison }
        let scheduler = makeScheduler(
            streams: streams, table: InMemoryLeaseTable(), worker: "w", factory: factory, destination: destination,
            tunables: tunables(maxRetries: -1, maxAge: .seconds(2)))
        try scheduler.start()
        let spooled = eventually(timeout: .seconds(10)) { destination.sentRecordCount == 1 }
        scheduler.shutdown(timeout: .seconds(5))
        #expect(spooled)
        #expect(destination.received.first?.reason == .maxRecordAgeExceeded)
        #expect(destination.received.first?.records.map(\.sequenceNumber) == [poison])
        #expect(log.applied.isEmpty)
    }

    @Test func deterministicAWSError_isBisectedAndSpooledAsBefore() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        let all = (0..<8).map { streams.put("s", key: "k\($0)", value: $0) }
        let poison = all[5]
        let log = ProcessingLog()
        let destination = InMemoryFailureDestination()
        let factory = RecordingProcessorFactory(log: log) { record, _ in
            record.sequenceNumber == poison
                ? AWSError(kind: .fatal, code: "ValidationException", message: "bad", operation: "TransactWriteItems")
                : nil
        }
        let scheduler = makeScheduler(
            streams: streams, table: InMemoryLeaseTable(), worker: "w", factory: factory, destination: destination,
            tunables: tunables(maxRetries: 1))
        try scheduler.start()
        let finished = eventually {
            Set(log.applied) == Set(all).subtracting([poison]) && destination.sentRecordCount == 1
        }
        // The shard publishes its counters after the lanes finish the batch, a moment after the
        // spool write the wait above sees.
        let bisected = eventually { scheduler.status.bisects > 0 }
        scheduler.shutdown(timeout: .seconds(5))
        #expect(finished)
        #expect(destination.received.first?.reason == .retriesExhausted)
        #expect(destination.received.first?.records.map(\.sequenceNumber) == [poison])
        #expect(bisected)
    }

    @Test func environmentalError_haltsTheShard_nothingPassedOrSpooled_resumesWhenFixed() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        let all = (0..<10).map { streams.put("s", key: "k\($0 % 3)", value: $0) }
        let log = ProcessingLog()
        let destination = InMemoryFailureDestination()
        let table = InMemoryLeaseTable()
        let broken = Switch(true)
        let factory = RecordingProcessorFactory(log: log) { _, _ in broken.isOn ? Self.accessDenied() : nil }
        let scheduler = makeScheduler(
            streams: streams, table: table, worker: "w", factory: factory, destination: destination,
            tunables: tunables(maxRetries: 0))
        try scheduler.start()
        #expect(eventually { scheduler.status.shards.first?.state == "halted" })
        // Well past what retries and bisecting would take for a deterministic failure.
        #expect(eventually { log.allCalls.count >= 20 })
        let halted = scheduler.status.shards.first
        #expect(halted?.condition?.kind == .halted)
        #expect(halted?.condition?.code == "AccessDeniedException")
        #expect(halted?.lastError?.contains("not authorized") == true, "the error is shown while halted")
        #expect(destination.sentRecordCount == 0)
        #expect(log.applied.isEmpty)
        #expect(table.lane(LaneKey(shardId: "s", lane: 0, laneCount: 1))?.checkpoint == nil, "nothing passed")
        #expect(log.allCalls.allSatisfy { $0.sequenceNumbers.count == all.count }, "no bisecting")
        broken.isOn = false
        let resumed = eventually { Set(log.applied) == Set(all) }
        let status = scheduler.status
        scheduler.shutdown(timeout: .seconds(5))
        #expect(resumed)
        #expect(destination.sentRecordCount == 0)
        #expect(status.shards.first?.state != "halted")
        #expect(table.lane(LaneKey(shardId: "s", lane: 0, laneCount: 1))?.checkpoint == all.last)
    }

    @Test func aLaneBackingOff_keepsReportingProgress() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        let all = (0..<4).map { streams.put("s", key: "k", value: $0) }
        let log = ProcessingLog()
        let throttling = Switch(true)
        let recorder = ProgressRecorder()
        let table = InMemoryLeaseTable()
        let factory = RecordingProcessorFactory(log: log) { _, _ in throttling.isOn ? Self.throttled() : nil }
        var tunables = tunables()
        // Backoffs far longer than a heartbeat interval.
        tunables.retryBackoff = .seconds(6)
        tunables.maxRetryBackoff = .seconds(6)
        tunables.haltedRetryBackoff = .seconds(6)
        let scheduler = ShardScheduler(
            configuration: fastConfiguration(streams: streams, worker: "w", tunables: tunables),
            processorFactory: factory, makeStreamsClient: { streams }, makeLeaseStore: { table },
            failureDestination: InMemoryFailureDestination(), logger: quietLogger,
            onProgress: { recorder.report($0) })
        try scheduler.start()
        #expect(eventually { log.allCalls.count >= 1 })
        recorder.reset()
        Thread.sleep(forTimeInterval: 7)
        let gap = recorder.longestGap
        let reports = recorder.count
        throttling.isOn = false
        let finished = eventually(timeout: .seconds(15)) { Set(log.applied) == Set(all) }
        scheduler.shutdown(timeout: .seconds(5))
        #expect(finished)
        #expect(reports >= 3, "reports during 7 s of backoff: \(reports)")
        #expect(gap <= Lane.heartbeatInterval + .milliseconds(700), "longest silence \(gap)")
    }

    @Test func aCheckpointRetriedThroughThrottling_keepsReportingProgress() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        let all = (0..<4).map { streams.put("s", key: "k", value: $0) }
        let log = ProcessingLog()
        let table = InMemoryLeaseTable()
        let recorder = ProgressRecorder()
        let throttling = Switch(false)
        table.setHook { operation in
            if operation == "checkpointLane" && throttling.isOn { throw Self.throttled("UpdateItem") }
        }
        let scheduler = ShardScheduler(
            configuration: fastConfiguration(streams: streams, worker: "w", tunables: tunables()),
            processorFactory: RecordingProcessorFactory(log: log), makeStreamsClient: { streams },
            makeLeaseStore: { table }, failureDestination: InMemoryFailureDestination(), logger: quietLogger,
            onProgress: { recorder.report($0) })
        throttling.isOn = true
        try scheduler.start()
        #expect(eventually { Set(log.applied) == Set(all) })
        recorder.reset()
        // Long enough for the checkpoint's backoff to reach its 5 s cap.
        Thread.sleep(forTimeInterval: 12)
        let gap = recorder.longestGap
        #expect(table.lane(LaneKey(shardId: "s", lane: 0, laneCount: 1))?.checkpoint == nil, "still throttled")
        throttling.isOn = false
        let checkpointed = eventually(timeout: .seconds(15)) {
            table.lane(LaneKey(shardId: "s", lane: 0, laneCount: 1))?.checkpoint == all.last
        }
        scheduler.shutdown(timeout: .seconds(5))
        #expect(checkpointed)
        #expect(gap <= .seconds(6), "longest silence \(gap)")
    }

    @Test func failureClasses() {
        #expect(FailureClass.of(Self.throttled()) == .weather(code: "ProvisionedThroughputExceededException"))
        let timeout = AWSError(kind: .transient, code: "CurlTimeout", message: "", operation: "UpdateItem")
        #expect(FailureClass.of(timeout) == .weather(code: "CurlTimeout"))
        let conflict = AWSError(
            kind: .throttling, code: "TransactionCanceledException", message: "", operation: "TransactWriteItems",
            cancellationReasons: ["None", "TransactionConflict"])
        #expect(FailureClass.of(conflict) == .weather(code: "TransactionCanceledException"))
        var asConditional = conflict
        asConditional.kind = .conditional
        #expect(FailureClass.of(asConditional) == .weather(code: "TransactionCanceledException"))
        let failedCondition = AWSError(
            kind: .conditional, code: "TransactionCanceledException", message: "", operation: "TransactWriteItems",
            cancellationReasons: ["ConditionalCheckFailed", "TransactionConflict"])
        #expect(FailureClass.of(failedCondition) == .deterministic)
        #expect(FailureClass.of(Self.accessDenied()) == .environment(code: "AccessDeniedException"))
        let bucket = AWSError(kind: .fatal, code: "NoSuchBucket", message: "", operation: "PutObject")
        #expect(FailureClass.of(bucket) == .environment(code: "NoSuchBucket"))
        let expired = AWSError(kind: .credentials, code: "ExpiredTokenException", message: "", operation: "UpdateItem")
        #expect(FailureClass.of(expired) == .environment(code: "ExpiredTokenException"))
        let wrapped = ConsumerError(.leaseTable, "renew", underlying: Self.throttled())
        #expect(FailureClass.of(wrapped) == .weather(code: "ProvisionedThroughputExceededException"))
        let validation = AWSError(kind: .fatal, code: "ValidationException", message: "", operation: "UpdateItem")
        #expect(FailureClass.of(validation) == .deterministic)
        #expect(FailureClass.of(CocoaError(.fileReadCorruptFile)) == .deterministic)
    }
}
