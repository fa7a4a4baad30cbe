/// Everything a run of deltas does to one snapshot item, folded into one UpdateItem.
///
/// The reference writes one UpdateItem per delta and window; each SETs the same `entity_id`,
/// `GSI2PK` and `GSI2SK` (all functions of the key), sets `resource`, `window`,
/// `window_start`, `GSI4PK`, `GSI4SK` and `ttl` only if absent, and ADDs its counters. Applied
/// in stream order, the if-absent values that stick are those of the first write, so the
/// coalesced update keeps the first contribution's values and sums the counters. ADD is
/// commutative, so one ADD of the sums equals the sequence of ADDs.
public struct SnapshotUpdate: Sendable, Equatable {
    public var key: SnapshotKey
    public var entityId: String
    public var namespaceId: String
    public var resource: String
    /// Window type of the first contribution (at 00:00 the hourly write comes first).
    public var window: UsageWindow
    public var windowStart: String
    /// Token sums per limit, in first-seen order (a sum of zero is still ADDed: it creates the
    /// attribute as the reference's `ADD x 0` does).
    public private(set) var tokens: [(limit: String, sum: Int128)]
    /// `{limit}#od` increments per limit, first-seen order.
    public private(set) var overdrawn: [(limit: String, count: Int128)]
    /// One per delta per window.
    public private(set) var totalEvents: Int128

    public init(key: SnapshotKey, first delta: UsageDelta, window: UsageWindow, windowStart: String) {
        self.key = key
        self.entityId = delta.entityId
        self.namespaceId = delta.namespaceId
        self.resource = delta.resource
        self.window = window
        self.windowStart = windowStart
        // Room for the usual limits at once (the first adds would otherwise grow it twice).
        self.tokens = []
        self.tokens.reserveCapacity(4)
        self.overdrawn = []
        self.totalEvents = 0
    }

    /// Whether adding `delta` `times` times keeps every sum within `Int128` (far beyond the 38
    /// digits DynamoDB itself stores).
    public func canAdd(_ delta: UsageDelta, times: Int) -> Bool {
        let current = tokens.first(where: { $0.limit == delta.limitName })?.sum ?? 0
        let (scaled, o1) = delta.tokens.multipliedReportingOverflow(by: Int128(times))
        let (_, o2) = current.addingReportingOverflow(scaled)
        return !o1 && !o2
    }

    /// Folds in one delta's write for one window (check `canAdd` first).
    public mutating func add(_ delta: UsageDelta) {
        let amount = delta.tokens
        if let index = tokens.firstIndex(where: { $0.limit == delta.limitName }) {
            tokens[index].sum += amount
        } else {
            tokens.append((delta.limitName, amount))
        }
        if delta.overdrawn {
            if let index = overdrawn.firstIndex(where: { $0.limit == delta.limitName }) {
                overdrawn[index].count += 1
            } else {
                overdrawn.append((delta.limitName, 1))
            }
        }
        totalEvents += 1
    }

    public static func == (lhs: SnapshotUpdate, rhs: SnapshotUpdate) -> Bool {
        lhs.key == rhs.key && lhs.entityId == rhs.entityId && lhs.namespaceId == rhs.namespaceId
            && lhs.resource == rhs.resource && lhs.window == rhs.window && lhs.windowStart == rhs.windowStart
            && lhs.totalEvents == rhs.totalEvents
            && lhs.tokens.elementsEqual(rhs.tokens, by: { $0.limit == $1.limit && $0.sum == $1.sum })
            && lhs.overdrawn.elementsEqual(rhs.overdrawn, by: { $0.limit == $1.limit && $0.count == $1.count })
    }
}
