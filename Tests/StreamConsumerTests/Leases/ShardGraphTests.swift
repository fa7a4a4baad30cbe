import AWSDynamoDB
import Testing

@testable import StreamConsumer

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
