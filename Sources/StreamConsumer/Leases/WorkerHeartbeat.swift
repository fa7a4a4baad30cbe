import AWSDynamoDB

/// One worker's heartbeat item in the lease table: a counter the worker bumps every failover/3,
/// which keeps every lease it holds alive at once.
///
/// Renewing each lease on its own costs one conditional write per lease per round: 64 idle
/// leases are 19 writes a second, 1.66 million a day, and most of an idle daemon's CPU. With the
/// heartbeat a worker writes one item a round; a lease is expired only when neither its own
/// counter nor its owner's heartbeat changed for the failover time (docs/leases.md).
public struct WorkerHeartbeat: Sendable, Hashable {
    /// `heartbeatOf`: the worker id, as leases name it in `leaseOwner`.
    public var worker: String
    /// `workerHeartbeat`: bumped by every beat.
    public var counter: Int

    public init(worker: String, counter: Int) {
        self.worker = worker
        self.counter = counter
    }

    /// The item's `leaseKey`. No shard id starts with `#`, and lane items end in `#lane…`.
    public static func key(of worker: String) -> String { "#heartbeat#" + worker }

    /// Reads a heartbeat item; nil for leases, lane items and anything malformed.
    public init?(item: Item) {
        guard let worker = item["heartbeatOf"]?.s, let counter = item["workerHeartbeat"]?.n.flatMap({ Int($0) })
        else { return nil }
        self.init(worker: worker, counter: counter)
    }
}

/// What one consistent scan of the lease table found: the shard leases and the workers'
/// heartbeats (lane items are left out).
public struct LeaseTableListing: Sendable, Equatable {
    public var leases: [Lease]
    public var heartbeats: [WorkerHeartbeat]

    public init(leases: [Lease], heartbeats: [WorkerHeartbeat] = []) {
        self.leases = leases
        self.heartbeats = heartbeats
    }
}
