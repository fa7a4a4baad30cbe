import AWSDynamoDB
import Testing

@testable import StreamConsumer

@Suite struct BatcherTests {
    @Test func batchIsDueAtBatchSize() {
        var batcher = Batcher()
        batcher.add((1...3).map { record($0, key: "k") }, arrivedAt: .zero)
        #expect(!batcher.isDue(now: .zero, batchSize: 4, window: .seconds(5), atShardEnd: false))
        batcher.add([record(4, key: "k")], arrivedAt: .zero)
        #expect(batcher.isDue(now: .zero, batchSize: 4, window: .seconds(5), atShardEnd: false))
    }

    @Test func batchIsDueWhenWindowPassesSinceFirstRecord() {
        var batcher = Batcher()
        batcher.add([record(1, key: "k")], arrivedAt: .seconds(10))
        #expect(!batcher.isDue(now: .seconds(14), batchSize: 100, window: .seconds(5), atShardEnd: false))
        #expect(batcher.timeUntilDue(now: .seconds(14), window: .seconds(5)) == .seconds(1))
        #expect(batcher.isDue(now: .seconds(15), batchSize: 100, window: .seconds(5), atShardEnd: false))
    }

    @Test func shardEndDeliversTheRest_andTakeKeepsTheRemainder() {
        var batcher = Batcher()
        #expect(!batcher.isDue(now: .zero, batchSize: 2, window: .seconds(5), atShardEnd: true))
        batcher.add((1...5).map { record($0, key: "k") }, arrivedAt: .zero)
        #expect(batcher.take(batchSize: 2)?.records.map(\.sequenceNumber.digits) == ["1", "2"])
        #expect(batcher.pending.count == 3)
        batcher.reset()
        #expect(batcher.isEmpty)
    }
}
