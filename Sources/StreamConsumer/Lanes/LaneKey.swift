/// Key of one lane checkpoint item in the lease table.
public struct LaneKey: Sendable, Hashable, CustomStringConvertible {
    public var shardId: String
    public var lane: Int
    public var laneCount: Int
    public init(shardId: String, lane: Int, laneCount: Int) {
        self.shardId = shardId
        self.lane = lane
        self.laneCount = laneCount
    }
    /// `"{shardId}#lane{i}of{P}"`, the item's `leaseKey`.
    public var leaseKey: String { "\(shardId)#lane\(lane)of\(laneCount)" }
    public var description: String { leaseKey }

    /// The keys of every lane of a shard with `laneCount` lanes, in lane order.
    static func all(shardId: String, laneCount: Int) -> [LaneKey] {
        (0..<laneCount).map { LaneKey(shardId: shardId, lane: $0, laneCount: laneCount) }
    }
}
