import AWSDynamoDB
import Foundation
import Logging
import MetricsTestKit
import StreamConsumerTestKit

@testable import StreamConsumer

/// Polls `condition` every 10 ms until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.01)
    }
    return condition()
}

/// A MODIFY of the state item of `key`, at sequence number `sequence`.
func record(_ sequence: Int, key: String) -> StreamRecord {
    StreamRecord(
        eventID: "e\(sequence)", eventName: .modify, keys: ["PK": .s(key), "SK": .s("#STATE")],
        sequenceNumber: SequenceNumber(String(sequence))!)
}

/// Scripted streams with `shards` shards (`s0`, `s1`, …) and `rounds` records on each, put round
/// by round (key `k<shard>-<round % keys>`, value the round); with every sequence number put.
func roundRobinStreams(shards: Int, rounds: Int, keys: Int) -> (ScriptedStreams, [SequenceNumber]) {
    let streams = ScriptedStreams()
    for index in 0..<shards { streams.addShard("s\(index)") }
    var all: [SequenceNumber] = []
    for round in 0..<rounds {
        for index in 0..<shards { all.append(streams.put("s\(index)", key: "k\(index)-\(round % keys)", value: round)) }
    }
    return (streams, all)
}

let quietLogger: Logger = {
    var logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    logger.logLevel = .critical
    return logger
}()

/// Fast settings for threaded tests.
func fastConfiguration(
    streams: ScriptedStreams, worker: String, position: StartingPosition = .trimHorizon,
    tunables: ConsumerTunables = fastTunables()
) -> ConsumerConfiguration {
    ConsumerConfiguration(
        streamArn: streams.streamArn, workerId: worker, failoverTime: .milliseconds(600),
        shardSyncInterval: .milliseconds(150), startingPosition: position, tunables: tunables,
        idleLaneCheckpointInterval: .milliseconds(100))
}

func fastTunables(
    batchSize: Int = 25, parallelization: Int = 1, maxRetries: Int = 3, bisect: Bool = true
) -> ConsumerTunables {
    ConsumerTunables(
        batchSize: batchSize, batchingWindow: .milliseconds(20), maxRetryAttempts: maxRetries, bisectOnError: bisect,
        parallelizationFactor: parallelization, idlePoll: .milliseconds(10), retryBackoff: .milliseconds(2),
        maxRetryBackoff: .milliseconds(20))
}

func makeScheduler(
    streams: ScriptedStreams, table: InMemoryLeaseTable, worker: String, factory: RecordProcessorFactory,
    destination: FailureDestination = InMemoryFailureDestination(), position: StartingPosition = .trimHorizon,
    tunables: ConsumerTunables = fastTunables(), configure: (inout ConsumerConfiguration) -> Void = { _ in }
) -> ShardScheduler {
    var configuration = fastConfiguration(streams: streams, worker: worker, position: position, tunables: tunables)
    configure(&configuration)
    return ShardScheduler(
        configuration: configuration, processorFactory: factory, makeStreamsClient: { streams },
        makeLeaseStore: { table }, failureDestination: destination, logger: quietLogger)
}

extension TestMetrics {
    /// The last value a gauge was set to; nil when it was never created (or was destroyed).
    func gaugeValue(_ label: String) -> Double? { try? expectGauge(label).lastValue }
}

/// Whether `instant` is a point of the standard wake grid (a whole number of its spacings).
func isOnWakeGrid(_ instant: Duration) -> Bool {
    instant.components.attoseconds % 1_000_000_000 == 0
        && instant.wholeNanoseconds % WakeGrid.standard.spacingNanoseconds == 0
}
