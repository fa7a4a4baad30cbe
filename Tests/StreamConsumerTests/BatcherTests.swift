import AWSDynamoDB
import Testing

@testable import StreamConsumer

func record(_ sequence: Int, key: String) -> StreamRecord {
    StreamRecord(
        eventID: "e\(sequence)", eventName: .modify, keys: ["PK": .s(key), "SK": .s("#STATE")],
        sequenceNumber: SequenceNumber(String(sequence))!)
}

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
        #expect(batcher.take(batchSize: 2).map(\.sequenceNumber.digits) == ["1", "2"])
        #expect(batcher.pending.count == 3)
        batcher.reset()
        #expect(batcher.isEmpty)
    }
}

@Suite struct LaneHasherTests {
    @Test func sameKeyAlwaysSameLane_whateverTheAttributeOrder() {
        let a: Item = ["PK": .s("user-1"), "SK": .s("#STATE")]
        let b: Item = ["SK": .s("#STATE"), "PK": .s("user-1")]
        #expect(LaneHasher.hash(a) == LaneHasher.hash(b))
        #expect(LaneHasher.hash(a) != LaneHasher.hash(["PK": .s("user-2"), "SK": .s("#STATE")]))
        // The type is part of the key: S "1" and N "1" differ.
        #expect(LaneHasher.hash(["PK": .s("1")]) != LaneHasher.hash(["PK": .n("1")]))
    }

    @Test func hashIsFNV1aAndStable() {
        // FNV-1a 64 of the empty input is the offset basis; pinned so the lane of a key never
        // changes between releases.
        #expect(LaneHasher.hash([:]) == 0xcbf2_9ce4_8422_2325)
        #expect(LaneHasher.hash(["PK": .s("a")]) == LaneHasher.hash(["PK": .s("a")]))
    }

    @Test func keysSpreadOverAllLanes() {
        var used = Set<Int>()
        for index in 0..<200 { used.insert(LaneHasher.lane(of: record(index + 1, key: "key-\(index)"), laneCount: 4)) }
        #expect(used == [0, 1, 2, 3])
        #expect(LaneHasher.lane(of: record(1, key: "x"), laneCount: 1) == 0)
    }
}

@Suite struct ShardGraphTests {
    @Test func lineageOpenClosedAndClosing() {
        let graph = ShardGraph(shards: [
            Shard(shardId: "c", parentShardId: "a"),
            Shard(shardId: "a", endingSequenceNumber: SequenceNumber("9")),
            Shard(shardId: "b"),
            Shard(shardId: "d", parentShardId: "b"),
            Shard(shardId: "e", parentShardId: "gone"),
        ])
        #expect(graph.isClosed("a"))
        #expect(!graph.isClosed("b"))
        #expect(graph.isClosing("b"))
        #expect(!graph.isClosing("c"))
        #expect(graph.parents(of: "c") == ["a"])
        #expect(graph.parents(of: "e") == [])
        let order = graph.topologicalOrder()
        #expect(order.firstIndex(of: "a")! < order.firstIndex(of: "c")!)
        #expect(order.firstIndex(of: "b")! < order.firstIndex(of: "d")!)
        #expect(Set(order) == ["a", "b", "c", "d", "e"])
    }
}

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
