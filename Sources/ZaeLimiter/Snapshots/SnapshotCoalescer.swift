/// Folds deltas into one `SnapshotUpdate` per snapshot item, keeping first-touch order.
///
/// Deltas must arrive in stream order (and, per delta, in the configured window order): the
/// first contribution to an item fixes its if-absent fields, as in the reference.
public struct SnapshotCoalescer: Sendable {
    /// An item's identity without building its key strings: (namespace, entity) determine the
    /// PK and (resource, window start) the SK, one-to-one (a namespace holds no `/`, a window
    /// key no `#`).
    struct ItemIdentity: Hashable, Sendable {
        var namespaceId: String
        var entityId: String
        var resource: String
        var windowStart: String
        /// The hash of (namespace, entity, resource), computed once per delta for all its
        /// windows: an identity then hashes one integer and one short string.
        var bucketHash: Int

        static func bucketHash(of delta: UsageDelta) -> Int {
            var hasher = Hasher()
            hasher.combine(delta.namespaceId)
            hasher.combine(delta.entityId)
            hasher.combine(delta.resource)
            return hasher.finalize()
        }

        static func == (a: ItemIdentity, b: ItemIdentity) -> Bool {
            a.bucketHash == b.bucketHash && a.windowStart == b.windowStart && a.entityId == b.entityId
                && a.resource == b.resource && a.namespaceId == b.namespaceId
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(bucketHash)
            hasher.combine(windowStart)
        }
    }

    /// Where one delta goes for one window.
    struct Target: Sendable {
        var identity: ItemIdentity
        var window: UsageWindow
    }

    public let windows: [UsageWindow]
    public private(set) var updates: [SnapshotUpdate] = []
    private var index: [ItemIdentity: Int] = [:]
    private var keyCache = WindowKeyCache()

    public init(windows: [UsageWindow]) { self.windows = windows }

    /// Room for `expectedItems` items without regrowing (a chunk's size is known up front).
    init(windows: [UsageWindow], expectedItems: Int) {
        self.windows = windows
        updates.reserveCapacity(expectedItems)
        index.reserveCapacity(expectedItems)
    }

    public var isEmpty: Bool { updates.isEmpty }
    public var count: Int { updates.count }

    /// The items of one delta, one per configured window (the same item twice when two windows
    /// start at the same instant, e.g. hourly and daily at 00:00).
    mutating func targets(of delta: UsageDelta) -> [Target] {
        let keys = keyCache.keys(forMilliseconds: delta.timestampMilliseconds, windows: windows)
        var targets: [Target] = []
        targets.reserveCapacity(windows.count)
        let bucketHash = ItemIdentity.bucketHash(of: delta)
        for (window, windowKey) in zip(windows, keys) {
            guard let windowKey else { continue }
            targets.append(
                Target(
                    identity: ItemIdentity(
                        namespaceId: delta.namespaceId, entityId: delta.entityId, resource: delta.resource,
                        windowStart: windowKey, bucketHash: bucketHash),
                    window: window))
        }
        return targets
    }

    /// The positions of the targets' items already present (nil: not yet): one hash lookup per
    /// target, shared by `newItemCount` and `resolve`.
    func lookup(_ targets: [Target]) -> [Int?] {
        targets.map { index[$0.identity] }
    }

    /// How many items not yet present these targets would add (`found` from `lookup`).
    func newItemCount(for targets: [[Target]], found: [[Int?]]) -> Int {
        var fresh: [ItemIdentity] = []
        for (list, positions) in zip(targets, found) {
            for (target, position) in zip(list, positions) where position == nil && !fresh.contains(target.identity) {
                fresh.append(target.identity)
            }
        }
        return fresh.count
    }

    /// `newItemCount` for one list of targets.
    func newItemCount(for targets: [Target], found: [Int?]) -> Int {
        var count = 0
        for (offset, target) in targets.enumerated() where found[offset] == nil {
            if !targets[..<offset].contains(where: { $0.identity == target.identity }) { count += 1 }
        }
        return count
    }

    /// Adds one delta for every window. Returns false if a counter sum would overflow (the
    /// delta is then applied for no window).
    @discardableResult
    public mutating func add(_ delta: UsageDelta) -> Bool {
        let list = targets(of: delta)
        return add(delta, at: resolve(list, found: lookup(list), first: delta))
    }

    /// The positions of the targets' items, creating missing ones from `delta`'s fields (the
    /// first contribution fixes the if-absent values). `found` (from `lookup`, since when no
    /// item was added) spares a second lookup; a missing item is looked up again only if an
    /// earlier target of the list is the same item (hourly and daily at 00:00).
    mutating func resolve(_ targets: [Target], found: [Int?], first delta: UsageDelta) -> [Int] {
        var positions: [Int] = []
        positions.reserveCapacity(targets.count)
        // The targets are one delta's windows: one partition key serves them all.
        var partitionKey: String?
        for offset in targets.indices {
            if let existing = found[offset] {
                positions.append(existing)
                continue
            }
            if let earlier = targets[..<offset].firstIndex(where: { $0.identity == targets[offset].identity }) {
                positions.append(positions[earlier])
                continue
            }
            let position = updates.count
            let identity = targets[offset].identity
            let window = targets[offset].window
            index[identity] = position
            let pk =
                partitionKey
                ?? ZaeLimiterSchema.entityPartitionKey(namespace: identity.namespaceId, entity: identity.entityId)
            partitionKey = pk
            let key = SnapshotKey(
                partitionKey: pk,
                sortKey: ZaeLimiterSchema.usageSortKey(resource: identity.resource, windowKey: identity.windowStart))
            updates.append(
                SnapshotUpdate(key: key, first: delta, window: window, windowStart: identity.windowStart))
            positions.append(position)
        }
        return positions
    }

    /// Adds `delta` to the items at `positions` (a position twice when two windows share an item).
    mutating func add(_ delta: UsageDelta, at positions: [Int]) -> Bool {
        // Check first, so that a refused delta leaves no window half-applied.
        for position in positions {
            var times = 0
            for other in positions where other == position { times += 1 }
            if !updates[position].canAdd(delta, times: times) { return false }
        }
        for position in positions { updates[position].add(delta) }
        return true
    }
}

/// The window keys of the last hour seen: consecutive records mostly share it.
struct WindowKeyCache: Sendable {
    private var hour: Int128?
    private var keys: [String?] = []

    mutating func keys(forMilliseconds milliseconds: Int128, windows: [UsageWindow]) -> [String?] {
        // Every window type starts on an hour boundary, so the hour determines all keys.
        let current = PythonInteger.floorDivide(milliseconds, by: 3_600_000)
        if current != hour || keys.count != windows.count {
            keys = windows.map { $0.key(forMilliseconds: milliseconds) }
            hour = current
        }
        return keys
    }
}
