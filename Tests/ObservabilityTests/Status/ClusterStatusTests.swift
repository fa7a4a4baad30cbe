import Foundation
import Testing

@testable import Observability

@Suite struct ClusterStatusTests {
    private let rows = [
        LeaseRow(leaseKey: "shardId-3", leaseOwner: "host-b", leaseCounter: 7, checkpoint: "300"),
        LeaseRow(leaseKey: "shardId-1", leaseOwner: "host-a", leaseCounter: 42, checkpoint: "100"),
        LeaseRow(leaseKey: "shardId-0", leaseOwner: nil, leaseCounter: 90, checkpoint: "SHARD_END"),
        LeaseRow(leaseKey: "shardId-2", leaseOwner: "host-a", leaseCounter: 5, checkpoint: "TRIM_HORIZON"),
        LeaseRow(
            leaseKey: "shardId-4", leaseOwner: "", leaseCounter: 0, checkpoint: "TRIM_HORIZON",
            parentShardIds: ["shardId-3"]),
        LeaseRow(
            leaseKey: "shardId-5", leaseOwner: nil, leaseCounter: 0, checkpoint: "TRIM_HORIZON",
            parentShardIds: ["shardId-0"]),
    ]

    @Test func groupsLeasesByWorker_andFindsUnownedEndedAndUnleasedShards() {
        let cluster = ClusterStatus(leases: rows, knownShardIds: ["shardId-1", "shardId-6", "shardId-7"])
        #expect(cluster.workers.map(\.workerId) == ["host-a", "host-b"])
        #expect(cluster.workers[0].leases.map(\.leaseKey) == ["shardId-1", "shardId-2"])
        #expect(cluster.unowned.map(\.leaseKey) == ["shardId-4", "shardId-5"])
        #expect(cluster.ended.map(\.leaseKey) == ["shardId-0"])
        #expect(cluster.shardsWithoutLease == ["shardId-6", "shardId-7"])
        // A child waits while a parent still has a lease short of SHARD_END.
        #expect(cluster.blockingParents(of: rows[4]) == ["shardId-3"])
        #expect(cluster.blockingParents(of: rows[5]) == [])
    }

    @Test func table_showsEveryWorkerAndEveryActiveLease() {
        let text = ClusterStatus(leases: rows, knownShardIds: ["shardId-6"]).table()
        let lines = text.components(separatedBy: "\n")
        #expect(lines[0].hasPrefix("WORKER"))
        #expect(lines.contains { $0.hasPrefix("host-a ") && $0.hasSuffix(" 2") })
        #expect(lines.contains { $0.hasPrefix("host-b ") && $0.hasSuffix(" 1") })
        #expect(lines.contains { $0.hasPrefix("(unowned) ") && $0.hasSuffix(" 2") })

        let leaseLines = lines.filter { $0.hasPrefix("shardId-") }
        #expect(
            leaseLines.map { String($0.split(separator: " ")[0]) } == [
                "shardId-1", "shardId-2", "shardId-3", "shardId-4", "shardId-5",
            ])
        #expect(
            leaseLines[0].split(separator: " ", omittingEmptySubsequences: true).prefix(4) == [
                "shardId-1", "host-a", "42", "100",
            ])
        #expect(leaseLines[3].hasSuffix("waiting for parent shardId-3"))
        #expect(leaseLines[4].hasSuffix("unowned"))
        #expect(text.contains("ENDED 1 shard(s) at SHARD_END"))
        #expect(text.contains("NO LEASE 1 shard(s): shardId-6"))
    }

    @Test func json_holdsTheSameGroups() throws {
        let text = ClusterStatus(leases: rows).json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let workers = try #require(object["workers"] as? [String: [[String: Any]]])
        #expect(workers.keys.sorted() == ["host-a", "host-b"])
        #expect(workers["host-a"]?.compactMap { $0["leaseKey"] as? String } == ["shardId-1", "shardId-2"])
        #expect(object["ended"] as? [String] == ["shardId-0"])
        #expect((object["unowned"] as? [[String: Any]])?.count == 2)
    }

    @Test func heartbeats_showEveryLiveWorker_evenOneWithoutLeases() throws {
        let cluster = ClusterStatus(leases: rows, heartbeats: ["host-a": 12, "host-c": 3])
        let lines = cluster.table().components(separatedBy: "\n")
        let columns = { (prefix: String) in
            lines.first { $0.hasPrefix(prefix + " ") }?.split(separator: " ").map(String.init) ?? []
        }
        #expect(columns("WORKER") == ["WORKER", "HEARTBEAT", "LEASES"])
        #expect(columns("host-a") == ["host-a", "12", "2"])
        #expect(columns("host-b") == ["host-b", "-", "1"])
        #expect(columns("host-c") == ["host-c", "3", "0"])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(cluster.json().utf8)) as? [String: Any])
        #expect(object["heartbeats"] as? [String: Int] == ["host-a": 12, "host-c": 3])
    }

    @Test func emptyTable_rendersWithoutRows() {
        let text = ClusterStatus(leases: []).table()
        #expect(!text.contains("shardId"))
        #expect(text.contains("(unowned)"))
        #expect(text.contains("ENDED 0 shard(s)"))
    }
}
