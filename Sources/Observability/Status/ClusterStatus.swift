import Foundation

/// One row of the lease table, as the lead's code reads it (KCL attribute names).
public struct LeaseRow: Codable, Sendable, Equatable {
    public var leaseKey: String
    public var leaseOwner: String?
    public var leaseCounter: Int64
    public var checkpoint: String?
    public var parentShardIds: [String]

    public init(
        leaseKey: String, leaseOwner: String?, leaseCounter: Int64, checkpoint: String?, parentShardIds: [String] = []
    ) {
        self.leaseKey = leaseKey
        self.leaseOwner = leaseOwner
        self.leaseCounter = leaseCounter
        self.checkpoint = checkpoint
        self.parentShardIds = parentShardIds
    }

    /// Whether the shard was consumed to its end.
    public var isEnded: Bool { checkpoint == "SHARD_END" }
    /// Whether nobody holds the lease (a missing or empty owner).
    public var isUnowned: Bool { (leaseOwner ?? "").isEmpty }
}

/// The whole stream's view from the lease table (`zael-aggregator status --cluster`): every
/// worker's leases, leases nobody owns (and why they may be waiting), ended shards, and stream
/// shards that have no lease yet. Pure: the caller fetches the rows.
public struct ClusterStatus: Sendable, Equatable {
    /// A worker and the active (not ended) leases it holds, sorted by shard.
    public struct Worker: Sendable, Equatable {
        public var workerId: String
        public var leases: [LeaseRow]
    }

    public var workers: [Worker]
    /// Each worker's heartbeat counter (it keeps all the worker's leases alive; it grows every
    /// failover/3 while the worker runs), including workers that hold no lease.
    public var heartbeats: [String: Int64]
    /// Leases with no owner that are not at SHARD_END.
    public var unowned: [LeaseRow]
    /// Leases at SHARD_END (owned or not).
    public var ended: [LeaseRow]
    /// Shards the stream lists that have no lease row.
    public var shardsWithoutLease: [String]
    private let byKey: [String: LeaseRow]

    /// - Parameters:
    ///   - heartbeats: the workers' heartbeat items, worker id to counter.
    ///   - knownShardIds: the stream's shards (from DescribeStream), if the caller has them.
    public init(leases: [LeaseRow], heartbeats: [String: Int64] = [:], knownShardIds: [String] = []) {
        self.heartbeats = heartbeats
        let active = leases.filter { !$0.isEnded }
        let grouped = Dictionary(grouping: active.filter { !$0.isUnowned }) { $0.leaseOwner ?? "" }
        workers = grouped.map { Worker(workerId: $0.key, leases: $0.value.sorted { $0.leaseKey < $1.leaseKey }) }
            .sorted { $0.workerId < $1.workerId }
        unowned = active.filter(\.isUnowned).sorted { $0.leaseKey < $1.leaseKey }
        ended = leases.filter(\.isEnded).sorted { $0.leaseKey < $1.leaseKey }
        byKey = Dictionary(leases.map { ($0.leaseKey, $0) }, uniquingKeysWith: { first, _ in first })
        let leased = Set(byKey.keys)
        shardsWithoutLease = Set(knownShardIds).subtracting(leased).sorted()
    }

    /// The parents of `row` that still have a lease not at SHARD_END: the child must wait for them.
    public func blockingParents(of row: LeaseRow) -> [String] {
        row.parentShardIds.filter { parent in byKey[parent].map { !$0.isEnded } ?? false }.sorted()
    }

    /// Workers (heartbeat, leases held), then every lease row, unowned and ended shards.
    public func table() -> String {
        let clean = TextTable.clean
        var out = ""
        var summary = TextTable(["WORKER", "HEARTBEAT", "LEASES"])
        let counts = Dictionary(workers.map { ($0.workerId, $0.leases.count) }, uniquingKeysWith: { first, _ in first })
        for workerId in Set(counts.keys).union(heartbeats.keys).sorted() {
            summary.add([clean(workerId), heartbeats[workerId].map(String.init) ?? "-", String(counts[workerId] ?? 0)])
        }
        summary.add(["(unowned)", "-", String(unowned.count)])
        out += summary.render()

        var rows = TextTable(["SHARD", "OWNER", "COUNTER", "CHECKPOINT", "PARENTS", "NOTE"])
        let ordered = workers.flatMap(\.leases) + unowned
        for row in ordered {
            var note = ""
            if row.isUnowned {
                let blocking = blockingParents(of: row)
                note = blocking.isEmpty ? "unowned" : "waiting for parent " + blocking.joined(separator: ",")
            }
            rows.add([
                clean(row.leaseKey), clean(row.isUnowned ? "-" : row.leaseOwner ?? "-"), String(row.leaseCounter),
                clean(row.checkpoint ?? "-"),
                row.parentShardIds.isEmpty ? "-" : clean(row.parentShardIds.joined(separator: ",")),
                clean(note),
            ])
        }
        if !ordered.isEmpty { out += "\n" + rows.render() }
        out += "\nENDED \(ended.count) shard(s) at SHARD_END\n"
        if !shardsWithoutLease.isEmpty {
            out +=
                "NO LEASE \(shardsWithoutLease.count) shard(s): \(shardsWithoutLease.map(clean).joined(separator: ", "))\n"
        }
        return out
    }

    /// The same content as JSON (sorted keys).
    public func json() -> String {
        struct Document: Encodable {
            var workers: [String: [LeaseRow]]
            var heartbeats: [String: Int64]
            var unowned: [LeaseRow]
            var ended: [String]
            var shardsWithoutLease: [String]
        }
        let document = Document(
            workers: Dictionary(workers.map { ($0.workerId, $0.leases) }, uniquingKeysWith: { first, _ in first }),
            heartbeats: heartbeats, unowned: unowned, ended: ended.map(\.leaseKey),
            shardsWithoutLease: shardsWithoutLease)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let data = (try? encoder.encode(document)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
