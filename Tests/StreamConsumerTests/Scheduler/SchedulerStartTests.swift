import AWSDynamoDB
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

@Suite struct SchedulerStartTests {
    @Test func invalidConfiguration_isRefusedWithEveryProblem_andAStartedSchedulerStartsOnce() throws {
        let streams = ScriptedStreams()
        let table = InMemoryLeaseTable()
        let bad = makeScheduler(
            streams: streams, table: table, worker: "", factory: RecordingProcessorFactory(log: ProcessingLog()),
            tunables: fastTunables(batchSize: 0))
        #expect {
            try bad.start()
        } throws: { error in
            guard let error = error as? ConsumerError, error.kind == .invalidConfiguration else { return false }
            return error.message.contains("workerId") && error.message.contains("batchSize")
        }
        let good = makeScheduler(
            streams: streams, table: table, worker: "w", factory: RecordingProcessorFactory(log: ProcessingLog()))
        try good.start()
        #expect(throws: ConsumerError.self) { try good.start() }
        #expect(throws: ConsumerError.self) { try good.update(fastTunables(parallelization: 0)) }
        try good.update(fastTunables(parallelization: 2))
        #expect(good.currentTunables.parallelizationFactor == 2)
        good.shutdown(timeout: .seconds(5))
    }
}
