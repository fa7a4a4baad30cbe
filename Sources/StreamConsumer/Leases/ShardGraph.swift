import AWSDynamoDB

/// The stream's shards with their lineage, as one DescribeStream listing showed them.
public struct ShardGraph: Sendable, Equatable {
    /// Shards by id.
    public private(set) var shards: [String: Shard]
    /// Child shard ids by parent id.
    public private(set) var children: [String: [String]]

    public init(shards: [Shard]) {
        var byId: [String: Shard] = [:]
        var children: [String: [String]] = [:]
        for shard in shards {
            byId[shard.shardId] = shard
            if let parent = shard.parentShardId { children[parent, default: []].append(shard.shardId) }
        }
        self.shards = byId
        self.children = children.mapValues { $0.sorted() }
    }

    public var shardIds: Set<String> { Set(shards.keys) }

    /// Whether the shard has an ending sequence number.
    public func isClosed(_ shardId: String) -> Bool { shards[shardId]?.endingSequenceNumber != nil }

    /// An open shard that already has children is closing: it will end soon.
    public func isClosing(_ shardId: String) -> Bool {
        !isClosed(shardId) && !(children[shardId] ?? []).isEmpty
    }

    /// The parent ids of a shard that are still in the stream.
    public func parents(of shardId: String) -> [String] {
        guard let parent = shards[shardId]?.parentShardId, shards[parent] != nil else { return [] }
        return [parent]
    }

    /// Shard ids with parents before children (ties by id), so leases are created in lineage order.
    public func topologicalOrder() -> [String] {
        var order: [String] = []
        var visited: Set<String> = []
        func visit(_ id: String) {
            guard !visited.contains(id) else { return }
            visited.insert(id)
            for parent in parents(of: id) { visit(parent) }
            order.append(id)
        }
        for id in shards.keys.sorted() { visit(id) }
        return order
    }
}
