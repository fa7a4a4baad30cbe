/// Folds deltas into one `SnapshotUpdate` per snapshot item, keeping first-touch order.
///
/// Deltas must arrive in stream order (and, per delta, in the configured window order): the
/// first contribution to an item fixes its if-absent fields, as in the reference.
public struct SnapshotCoalescer: Sendable {
    public let windows: [UsageWindow]
    public private(set) var updates: [SnapshotUpdate] = []
    private var index: [SnapshotKey: Int] = [:]

    public init(windows: [UsageWindow]) { self.windows = windows }

    public var isEmpty: Bool { updates.isEmpty }
    public var count: Int { updates.count }

    /// The snapshot keys of one delta, one per configured window (the same key twice when two
    /// windows start at the same instant, e.g. hourly and daily at 00:00).
    public func keys(of delta: UsageDelta) -> [(SnapshotKey, UsageWindow, String)] {
        windows.compactMap { window in
            guard let windowKey = window.key(forMilliseconds: delta.timestampMilliseconds) else { return nil }
            let key = SnapshotKey(
                partitionKey: ZaeLimiterSchema.entityPartitionKey(namespace: delta.namespaceId, entity: delta.entityId),
                sortKey: ZaeLimiterSchema.usageSortKey(resource: delta.resource, windowKey: windowKey))
            return (key, window, windowKey)
        }
    }

    /// How many items not yet present these deltas would add.
    public func newItemCount(for deltas: [UsageDelta]) -> Int {
        var fresh: Set<SnapshotKey> = []
        for delta in deltas {
            for (key, _, _) in keys(of: delta) where index[key] == nil { fresh.insert(key) }
        }
        return fresh.count
    }

    /// Adds one delta for every window. Returns false if a counter sum would overflow (the
    /// delta is then not applied for any window).
    @discardableResult
    public mutating func add(_ delta: UsageDelta) -> Bool {
        let targets = keys(of: delta)
        // Check first, so that a refused delta leaves no window half-applied.
        for (key, _, _) in targets {
            guard let position = index[key] else { continue }
            let times = targets.filter { $0.0 == key }.count
            if !updates[position].canAdd(delta, times: times) { return false }
        }
        for (key, window, windowKey) in targets {
            let position: Int
            if let existing = index[key] {
                position = existing
            } else {
                position = updates.count
                index[key] = position
                updates.append(SnapshotUpdate(key: key, first: delta, window: window, windowStart: windowKey))
            }
            updates[position].add(delta)
        }
        return true
    }
}
