import MetricsTestKit
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

@Suite(.serialized) struct ConsumerMetricsTests {
    @Test func countsRecordsBatchesLeasesThrottlesRetriesBisectsAndSpools() throws {
        let streams = ScriptedStreams()
        streams.addShard("s")
        let all = (0..<20).map { streams.put("s", key: "k\($0 % 3)", value: $0) }
        let poison = all[7]
        streams.inject(.init(operation: "GetRecords", onCall: 1, code: "LimitExceededException", kind: .throttling))
        let metrics = TestMetrics()
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
        func total(_ label: String, _ dimensions: [(String, String)] = []) -> Int64 {
            metrics.counterTotal(label: label, dimensions: dimensions)
        }
        #expect(total(Names.recordsProcessed) == Int64(all.count - 1))
        #expect(total(Names.batches) >= 1)
        #expect(total(Names.throttles, [("api", "GetRecords")]) == 1)
        #expect(total(Names.errors, [("class", "throttling")]) == 1)
        #expect(total(Names.spooledRecords) == 1)
        #expect(total(Names.bisects) >= 1)
        #expect(total(Names.retries) >= 1)
        #expect(total(Names.leasesTaken) == 1)
        #expect(try metrics.expectGauge(Names.leasesOwned).lastValue == 0, "released at shutdown")
        #expect(try metrics.expectTimer(Names.getRecordsLatency).values.count >= 1)
        #expect(
            try metrics.expectTimer(Names.batchDuration).values.count == Int(total(Names.batches)),
            "one duration per batch")
        #expect(total(Names.errors, [("class", "processor")]) >= 2)
    }

    @Test func stoppingAShardDestroysItsIteratorAgeGauge() throws {
        let streams = ScriptedStreams()
        streams.addShard("s1")
        streams.addShard("s2")
        let all = (0..<6).map { streams.put($0 % 2 == 0 ? "s1" : "s2", key: "k\($0)", value: $0) }
        let metrics = TestMetrics()
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
        // `TestMetrics` forgets a destroyed series: present while the shards run, gone after.
        func hasAge(_ shard: String) -> Bool { (try? metrics.expectGauge(age, [("shard", shard)])) != nil }
        #expect(hasAge("s1") && hasAge("s2"))
        scheduler.shutdown(timeout: .seconds(5))
        #expect(!hasAge("s1"))
        #expect(!hasAge("s2"))
        #expect(
            (try? metrics.expectCounter(ConsumerMetricNames.recordsProcessed)) != nil, "only per-shard series go")
    }
}
