import AWSDynamoDB
import Foundation
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// Retries, bisecting, the failure destination and record age.
@Suite(.serialized) struct LaneFailureTests {
    let streams = ScriptedStreams()
    var all: [SequenceNumber] = []

    init() {
        streams.addShard("s")
        all = (0..<20).map { streams.put("s", key: "k\($0 % 5)", value: $0) }
    }

    func run(
        tunables: ConsumerTunables, destination: InMemoryFailureDestination = InMemoryFailureDestination(),
        shouldFail: @escaping @Sendable (StreamRecord, Int) -> Bool, until done: (ProcessingLog) -> Bool
    ) throws -> (ProcessingLog, InMemoryFailureDestination, InMemoryLeaseTable) {
        let table = InMemoryLeaseTable()
        let log = ProcessingLog()
        let scheduler = makeScheduler(
            streams: streams, table: table, worker: "w",
            factory: RecordingProcessorFactory(log: log, shouldFail: shouldFail),
            destination: destination, tunables: tunables)
        try scheduler.start()
        let finished = eventually { done(log) }
        scheduler.shutdown(timeout: .seconds(5))
        #expect(finished)
        return (log, destination, table)
    }

    @Test func transientFailures_areRetriedWithTheAttemptCounted() throws {
        let (log, destination, _) = try run(
            tunables: fastTunables(batchSize: 20, maxRetries: 3), shouldFail: { _, attempt in attempt < 3 },
            until: { Set($0.applied) == Set(all) })
        #expect(destination.sentRecordCount == 0)
        #expect(log.allCalls.map(\.attempt).prefix(3) == [1, 2, 3])
        #expect(log.applied.count == all.count)
    }

    @Test func poisonRecord_isIsolatedByBisecting_spooled_andPassed() throws {
        let poison = all[13]
        let (log, destination, table) = try run(
            tunables: fastTunables(batchSize: 20, maxRetries: 1, bisect: true),
            shouldFail: { record, _ in record.sequenceNumber == poison },
            until: { log in Set(log.applied).count == all.count - 1 })
        #expect(destination.received.count == 1)
        #expect(destination.received.first?.records.map(\.sequenceNumber) == [poison])
        #expect(destination.received.first?.reason == .retriesExhausted)
        #expect(destination.received.first?.attempts ?? 0 > 2)
        #expect(Set(log.applied) == Set(all).subtracting([poison]))
        #expect(log.applied.count == all.count - 1, "records that succeeded were not applied again")
        // The checkpoint moved past the poison record.
        #expect(table.lane(LaneKey(shardId: "s", lane: 0, laneCount: 1))?.checkpoint == all.last)
    }

    @Test func withoutBisect_theWholeSliceIsSpooledAfterTheRetries() throws {
        let poison = all[5]
        let (log, destination, _) = try run(
            tunables: fastTunables(batchSize: 10, maxRetries: 2, bisect: false),
            shouldFail: { record, _ in record.sequenceNumber == poison },
            until: { log in Set(log.applied) == Set(all[10...]) })
        #expect(destination.sentRecordCount == 10)
        #expect(destination.received.first?.attempts == 3)
        #expect(log.allCalls.filter { !$0.succeeded }.count == 3)
    }

    @Test func anUnavailableDestination_blocksTheCheckpointUntilItAccepts() throws {
        let poison = all[0]
        let destination = InMemoryFailureDestination(failFirst: 3)
        let (_, received, table) = try run(
            tunables: fastTunables(batchSize: 20, maxRetries: 0, bisect: true), destination: destination,
            shouldFail: { record, _ in record.sequenceNumber == poison },
            until: { _ in destination.sentRecordCount == 1 })
        #expect(received.received.first?.records.first?.sequenceNumber == poison)
        #expect(eventually { table.lane(LaneKey(shardId: "s", lane: 0, laneCount: 1))?.checkpoint != nil })
    }

    @Test func infiniteRetries_neverSpool() throws {
        let (log, destination, _) = try run(
            tunables: fastTunables(batchSize: 20, maxRetries: -1), shouldFail: { _, attempt in attempt < 8 },
            until: { Set($0.applied) == Set(all) })
        #expect(destination.sentRecordCount == 0)
        #expect(log.allCalls.filter { !$0.succeeded }.count == 7)
    }

    @Test func recordsOlderThanTheMaximumAge_goToTheDestination() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        let now = Date().timeIntervalSince1970
        let old = (0..<3).map { streams.put("s", key: "k", value: $0, createdAt: now - 7200) }
        let fresh = (3..<6).map { streams.put("s", key: "k", value: $0) }
        let table = InMemoryLeaseTable()
        let log = ProcessingLog()
        let destination = InMemoryFailureDestination()
        var tunables = fastTunables()
        tunables.maxRecordAge = .seconds(3600)
        let scheduler = makeScheduler(
            streams: streams, table: table, worker: "w", factory: RecordingProcessorFactory(log: log),
            destination: destination, tunables: tunables)
        try scheduler.start()
        #expect(eventually { Set(log.applied) == Set(fresh) })
        scheduler.shutdown(timeout: .seconds(5))
        #expect(destination.received.flatMap(\.records).map(\.sequenceNumber) == old)
        #expect(destination.received.allSatisfy { $0.reason == .maxRecordAgeExceeded })
        #expect(scheduler.status.spooledRecords == 3)
    }

    @Test func recordFilter_skipsRecordsButMovesTheCheckpoint() throws {
        let table = InMemoryLeaseTable()
        let log = ProcessingLog()
        let scheduler = makeScheduler(
            streams: streams, table: table, worker: "w", factory: RecordingProcessorFactory(log: log)
        ) { configuration in
            configuration.recordFilter = .matching { $0.keys["PK"]?.s == "k1" }
        }
        try scheduler.start()
        #expect(eventually { table.lane(LaneKey(shardId: "s", lane: 0, laneCount: 1))?.checkpoint == all.last })
        scheduler.shutdown(timeout: .seconds(5))
        #expect(Set(log.appliedByKey.keys) == ["k1"])
        #expect(log.applied.count == 4)
    }
}
