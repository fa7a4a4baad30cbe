import CoreMetrics
import Foundation
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// A metrics factory that keeps totals in memory; injected, never bootstrapped globally.
final class RecordingMetrics: MetricsFactory, @unchecked Sendable {
    // `values` is guarded by `lock`.
    private let lock = NSLock()
    private var values: [String: Double] = [:]
    private var destroyed: Set<String> = []

    func value(_ label: String, _ dimensions: [(String, String)] = []) -> Double {
        lock.withLock { values[key(label, dimensions)] ?? 0 }
    }

    /// Whether the series was made (it has a value) and then destroyed.
    func wasDestroyed(_ label: String, _ dimensions: [(String, String)] = []) -> Bool {
        lock.withLock { destroyed.contains(key(label, dimensions)) }
    }

    func destroy(_ handler: AnyObject) {
        guard let handler = handler as? Handler else { return }
        lock.withLock { _ = destroyed.insert(handler.key) }
    }

    func add(_ key: String, _ amount: Double, replace: Bool = false) {
        lock.withLock { values[key] = replace ? amount : (values[key] ?? 0) + amount }
    }

    private func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        ([label] + dimensions.map { "\($0.0)=\($0.1)" }).joined(separator: "|")
    }

    final class Handler: CounterHandler, RecorderHandler, TimerHandler, @unchecked Sendable {
        let key: String
        let owner: RecordingMetrics
        let replaces: Bool
        init(key: String, owner: RecordingMetrics, replaces: Bool) {
            self.key = key
            self.owner = owner
            self.replaces = replaces
        }
        func increment(by amount: Int64) { owner.add(key, Double(amount)) }
        func reset() { owner.add(key, 0, replace: true) }
        func record(_ value: Int64) { owner.add(key, Double(value), replace: replaces) }
        func record(_ value: Double) { owner.add(key, value, replace: replaces) }
        func recordNanoseconds(_ duration: Int64) { owner.add(key, 1) }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> CounterHandler {
        Handler(key: key(label, dimensions), owner: self, replaces: false)
    }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> RecorderHandler {
        Handler(key: key(label, dimensions), owner: self, replaces: true)
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> TimerHandler {
        Handler(key: key(label, dimensions), owner: self, replaces: false)
    }
    func destroyCounter(_ handler: CounterHandler) { destroy(handler) }
    func destroyRecorder(_ handler: RecorderHandler) { destroy(handler) }
    func destroyTimer(_ handler: TimerHandler) { destroy(handler) }
}

@Suite(.serialized) struct ConsumerMetricsTests {
    @Test func countsRecordsBatchesLeasesThrottlesRetriesBisectsAndSpools() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        let all = (0..<20).map { streams.put("s", key: "k\($0 % 3)", value: $0) }
        let poison = all[7]
        streams.inject(.init(operation: "GetRecords", onCall: 1, code: "LimitExceededException", kind: .throttling))
        let metrics = RecordingMetrics()
        let table = InMemoryLeaseTable()
        let log = ProcessingLog()
        let destination = InMemoryFailureDestination()
        let scheduler = ShardScheduler(
            configuration: fastConfiguration(
                streams: streams, worker: "w", tunables: fastTunables(batchSize: 20, maxRetries: 1)),
            processorFactory: RecordingProcessorFactory(log: log) { record, _ in record.sequenceNumber == poison },
            makeStreamsClient: { streams }, makeLeaseStore: { table }, failureDestination: destination,
            metricsFactory: metrics, logger: quietLogger)
        try scheduler.start()
        #expect(eventually { Set(log.applied).count == all.count - 1 && destination.sentRecordCount == 1 })
        scheduler.shutdown(timeout: .seconds(5))
        typealias Names = ConsumerMetricNames
        #expect(metrics.value(Names.recordsProcessed) == Double(all.count - 1))
        #expect(metrics.value(Names.batches) >= 1)
        #expect(metrics.value(Names.throttles, [("api", "GetRecords")]) == 1)
        #expect(metrics.value(Names.errors, [("class", "throttling")]) == 1)
        #expect(metrics.value(Names.spooledRecords) == 1)
        #expect(metrics.value(Names.bisects) >= 1)
        #expect(metrics.value(Names.retries) >= 1)
        #expect(metrics.value(Names.leasesTaken) == 1)
        #expect(metrics.value(Names.leasesOwned) == 0, "released at shutdown")
        #expect(metrics.value(Names.getRecordsLatency) >= 1)
        #expect(metrics.value(Names.batchDuration) == metrics.value(Names.batches), "one duration per batch")
        #expect(metrics.value(Names.errors, [("class", "processor")]) >= 2)
    }

    @Test func stoppingAShardDestroysItsIteratorAgeGauge() throws {
        let streams = ScriptedStreams()
        streams.addShard("s1")
        streams.addShard("s2")
        let all = (0..<6).map { streams.put($0 % 2 == 0 ? "s1" : "s2", key: "k\($0)", value: $0) }
        let metrics = RecordingMetrics()
        let table = InMemoryLeaseTable()
        let log = ProcessingLog()
        let scheduler = ShardScheduler(
            configuration: fastConfiguration(streams: streams, worker: "w", tunables: fastTunables(batchSize: 10)),
            processorFactory: RecordingProcessorFactory(log: log), makeStreamsClient: { streams },
            makeLeaseStore: { table }, failureDestination: InMemoryFailureDestination(), metricsFactory: metrics,
            logger: quietLogger)
        try scheduler.start()
        #expect(eventually { Set(log.applied).count == all.count })
        let age = ConsumerMetricNames.iteratorAge
        #expect(!metrics.wasDestroyed(age, [("shard", "s1")]))
        scheduler.shutdown(timeout: .seconds(5))
        #expect(metrics.wasDestroyed(age, [("shard", "s1")]))
        #expect(metrics.wasDestroyed(age, [("shard", "s2")]))
        #expect(!metrics.wasDestroyed(ConsumerMetricNames.recordsProcessed), "only per-shard series go")
    }
}
