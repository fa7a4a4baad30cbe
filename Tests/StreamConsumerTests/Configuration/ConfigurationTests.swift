import AWSDynamoDB
import Testing

@testable import StreamConsumer

@Suite struct ConfigurationTests {
    @Test func problemsAreAllReportedAtOnce() {
        var configuration = ConsumerConfiguration(streamArn: "", workerId: "w")
        configuration.tunables.batchSize = 0
        configuration.tunables.parallelizationFactor = 11
        configuration.tunables.maxRetryAttempts = -2
        let problems = configuration.problems()
        #expect(problems.count == 4)
        #expect(ConsumerConfiguration(streamArn: "arn", workerId: "w").problems().isEmpty)
    }

    @Test func sequenceNumbersCompareAsIntegersInCheckpoints() {
        #expect(LeaseCheckpoint(wire: "SHARD_END") == .shardEnd)
        #expect(LeaseCheckpoint(wire: "TRIM_HORIZON") == .trimHorizon)
        #expect(LeaseCheckpoint(wire: "junk") == nil)
        #expect(SequenceNumber("9")! < SequenceNumber("10")!)
    }
}
