/// The primary key of a usage snapshot item: `PK={ns}/ENTITY#{entity}`,
/// `SK=#USAGE#{resource}#{windowKey}`.
///
/// The window type is not part of it: at 00:00 UTC the hourly and the daily item are one item.
public struct SnapshotKey: Sendable, Hashable {
    public var partitionKey: String
    public var sortKey: String
    public init(partitionKey: String, sortKey: String) {
        self.partitionKey = partitionKey
        self.sortKey = sortKey
    }
}
