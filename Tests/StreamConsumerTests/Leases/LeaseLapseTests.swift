import AWSCore
import AWSDynamoDB
import Foundation
import InMemoryLogging
import Logging
import MetricsTestKit
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// A lease table that stops answering renewals for longer than the failover time (issue 11's
/// silent minute): the lease is kept unconfirmed, its shard pauses (no batch, no checkpoint), and
/// a renewal that succeeds confirms it again without a new take; one that finds another owner
/// loses it.
@Suite(.serialized) struct LeaseLapseTests {
    let streams = ScriptedStreams()
    let table = InMemoryLeaseTable()
    let log = ProcessingLog()
    let logs = InMemoryLogHandler()
    let metrics = TestMetrics()
    private let silent = Silence()
    let lane = LaneKey(shardId: "s0", lane: 0, laneCount: 1)

    init() {
        streams.addShard("s0")
        // Every renewal and heartbeat call fails while the gate is closed, as calls time out
        // against an endpoint that accepts connections and never answers.
        table.setShardHook { [silent] operation, _ in
            guard operation == "renewLease", silent.isClosed else { return }
            throw AWSError(kind: .transient, code: "CurlTimeout", message: "no answer", operation: "UpdateItem")
        }
        table.setHook { [silent] operation in
            guard operation == "beat", silent.isClosed else { return }
            throw AWSError(kind: .transient, code: "CurlTimeout", message: "no answer", operation: "UpdateItem")
        }
    }

    func scheduler(_ worker: String = "w") -> ShardScheduler {
        var configuration = fastConfiguration(streams: streams, worker: worker)
        // Longer than the threaded tests' usual 600 ms, so a busy machine does not lapse a healthy
        // lease before the test closes the gate.
        configuration.failoverTime = .milliseconds(1200)
        return ShardScheduler(
            configuration: configuration,
            processorFactory: RecordingProcessorFactory(log: log, mode: .transactional(table)),
            makeStreamsClient: { [streams] in streams }, makeLeaseStore: { [table] in table },
            failureDestination: InMemoryFailureDestination(), metricsFactory: metrics,
            logger: Logger(label: "test", factory: { [logs] _ in logs }))
    }

    func put(_ range: Range<Int>) {
        for index in range { streams.put("s0", key: "k\(index % 3)", value: index) }
    }

    func messages(_ prefix: String) -> Int {
        logs.entries.filter { $0.message.description.hasPrefix(prefix) }.count
    }

    /// Processes ten records, then silences the renewals until the shard shows it paused.
    func startAndLapse(_ worker: ShardScheduler) throws {
        put(0..<10)
        try worker.start()
        #expect(eventually { table.allEffects.count == 10 })
        silent.close()
        #expect(eventually { worker.status.shards.first?.state == ShardConsumer.unconfirmedState })
        #expect(metrics.gaugeValue(ConsumerMetricNames.leasesUnconfirmed) == 1)
    }

    @Test func lapse_pausesTheShard_thenARenewalConfirmsIt_andItGoesOnWithoutATake() throws {
        let worker = scheduler()
        defer { worker.shutdown(timeout: .seconds(5)) }
        try startAndLapse(worker)
        let tenure = table.lease("s0")?.claimedAt
        let checkpoint = table.lane(lane)?.checkpoint
        let writes = table.history.count
        put(10..<20)
        // Well past the failover time again: many idle polls and renewal rounds.
        Thread.sleep(forTimeInterval: 1.5)
        #expect(table.allEffects.count == 10, "no batch while the lease is unconfirmed")
        #expect(table.lane(lane)?.checkpoint == checkpoint, "no checkpoint while the lease is unconfirmed")
        #expect(table.history.count == writes, "\(table.history.suffix(from: writes))")
        #expect(worker.status.leasesOwned == 1)
        #expect(table.lease("s0")?.owner == "w")

        silent.open()
        #expect(eventually { table.allEffects.count == 20 })
        #expect(eventually { worker.status.shards.first?.state == "processing" })
        #expect(table.allEffects.values.allSatisfy { $0 == 1 }, "nothing applied twice")
        #expect(table.lease("s0")?.claimedAt == tenure, "the same tenure: the lease was never taken again")
        #expect(metrics.gaugeValue(ConsumerMetricNames.leasesUnconfirmed) == 0)
        #expect(metrics.counterTotal(label: ConsumerMetricNames.leasesTaken) == 1)
        #expect(metrics.counterTotal(label: ConsumerMetricNames.leasesLost) == 0)
        #expect(messages("lease taken") == 1)
        #expect(messages("lease lost") == 0)
        #expect(messages("lease unconfirmed") == 1)
        #expect(messages("lease confirmed again") == 1)
        #expect(!log.allEvents.contains { $0.hasPrefix("leaseLost") })
    }

    @Test func lapse_thenAnotherWorkerTakesTheLease_theConsumerStopsWithLeaseLost() throws {
        let worker = scheduler()
        defer { worker.shutdown(timeout: .seconds(5)) }
        try startAndLapse(worker)
        put(10..<20)
        // b judges expiry by its own clock: the counter stood still for b's failover time.
        let clock = ManualClock()
        let b = LeaseCoordinator(
            workerId: "b", failoverTime: .seconds(1), store: table, clock: clock, metrics: ConsumerMetrics(),
            logger: quietLogger)
        #expect(try b.takeLeases(stealing: false).taken.isEmpty)
        clock.advance(by: .seconds(1))
        #expect(try b.takeLeases(stealing: false).taken == ["s0"])

        silent.open()
        #expect(eventually { log.allEvents.contains("leaseLost s0 lane 0") }, "\(log.allEvents)")
        #expect(eventually { worker.status.leasesOwned == 0 })
        #expect(table.allEffects.count == 10, "the lapsed worker applied nothing")
        #expect(table.lease("s0")?.owner == "b")
        #expect(messages("lease lost") == 1)
        #expect(messages("lease confirmed again") == 0)
    }

    @Test func aBatchRunningWhenTheLeaseLapses_makesNoFurtherAttemptUntilItIsConfirmed() throws {
        // The processor is throttled: its batch retries every few milliseconds until it clears.
        let throttled = Silence()
        var configuration = fastConfiguration(streams: streams, worker: "w")
        configuration.failoverTime = .milliseconds(1200)
        let worker = ShardScheduler(
            configuration: configuration,
            processorFactory: RecordingProcessorFactory(
                log: log, mode: .transactional(table),
                failure: { _, _ in
                    guard throttled.isClosed else { return nil }
                    return AWSError(
                        kind: .throttling, code: "ProvisionedThroughputExceededException", message: "slow down",
                        operation: "TransactWriteItems")
                }),
            makeStreamsClient: { [streams] in streams }, makeLeaseStore: { [table] in table },
            failureDestination: InMemoryFailureDestination(), metricsFactory: metrics, logger: quietLogger)
        defer { worker.shutdown(timeout: .seconds(5)) }
        throttled.close()
        put(0..<10)
        try worker.start()
        #expect(eventually { log.allCalls.count >= 3 })
        silent.close()
        #expect(eventually { metrics.gaugeValue(ConsumerMetricNames.leasesUnconfirmed) == 1 })
        // An attempt that started before the lapse may still end; none starts after it.
        Thread.sleep(forTimeInterval: 0.3)
        let attempts = log.allCalls.count
        Thread.sleep(forTimeInterval: 1.0)
        #expect(log.allCalls.count == attempts, "no attempt while the lease is unconfirmed")
        #expect(table.allEffects.isEmpty)

        throttled.open()
        silent.open()
        #expect(eventually { table.allEffects.count == 10 })
        #expect(table.allEffects.values.allSatisfy { $0 == 1 })
        #expect(metrics.counterTotal(label: ConsumerMetricNames.leasesLost) == 0)
    }

    @Test func shutdownWhileUnconfirmed_writesNoCheckpoint_andTheNextWorkerAppliesTheRestOnce() throws {
        let worker = scheduler()
        try startAndLapse(worker)
        let checkpoint = table.lane(lane)?.checkpoint
        put(10..<20)
        worker.shutdown(timeout: .seconds(5))
        #expect(table.allEffects.count == 10)
        #expect(table.lane(lane)?.checkpoint == checkpoint)
        #expect(messages("shutdown without checkpoints") == 1)

        silent.open()
        let next = scheduler("w2")
        try next.start()
        defer { next.shutdown(timeout: .seconds(5)) }
        #expect(eventually { table.allEffects.count == 20 })
        #expect(table.allEffects.values.allSatisfy { $0 == 1 })
    }
}

/// Whether the lease table is silent, set and read from any thread.
private final class Silence: @unchecked Sendable {
    // `on` is guarded by `lock`.
    private let lock = NSLock()
    private var on = false
    func close() { lock.withLock { on = true } }
    func open() { lock.withLock { on = false } }
    var isClosed: Bool { lock.withLock { on } }
}
