import Foundation

@testable import Observability

/// Snapshots for the status tests.
enum StatusFixtures {
    static let states: [ShardState] = [.processing, .waitingForParents, .stoppedShardEnded, .notOwned]

    static func shard(_ index: Int) -> ShardStatus {
        let checkpoint: String = index == 2 ? "SHARD_END" : "4960000000000000000000\(index)"
        let age: Double? = index == 1 ? nil : Double(index) * 1.5
        let error: String? = index == 0 ? "throttling: Rate exceeded" : nil
        return ShardStatus(
            shardId: "shardId-0000000\(index)", owner: "host-a:4242", state: states[index % states.count],
            checkpoint: checkpoint, iteratorAgeSeconds: age, recordsPerSecond: Double(index) * 10.25,
            retries: Int64(index), lastError: error)
    }

    static func snapshot(shards: Int = 3) -> StatusSnapshot {
        let config: [(key: String, value: String)] = [
            ("aws.region", "eu-west-1"),
            ("aws.endpoint", "https://user:pw@dynamodb.example/x"),
            ("aws.secret_access_key", "AKIAEXAMPLESECRET"),
            ("consumer.batch_size", "100"),
        ]
        let totals = StatusSnapshot.Totals(
            recordsProcessed: 123_456, recordsPerSecond: 20.5, batches: 900, snapshotWrites: 4000, errors: 2,
            retries: 3, leasesOwned: shards)
        return StatusSnapshot(
            workerId: "host-a:4242", host: "host-a", version: "0.3.1",
            startedAt: Date(timeIntervalSince1970: 1_767_225_600),  // whole seconds: ISO 8601 keeps no fraction
            uptimeSeconds: 3 * 3600 + 125, config: ConfigMasking.masked(config),
            shards: (0..<shards).map(shard), totals: totals, duties: duties)
    }

    static let duties = [
        DutyStatus(
            duty: "refill", enabled: true, written: 1520, skippedByCondition: 37, errors: 1,
            skipped: ["window_ended": 4, "schedule_error": 2]),
        DutyStatus(duty: "proactive_shard", enabled: true, written: 3),
        DutyStatus(duty: "shard_count_propagation", enabled: false, written: 9, skippedByCondition: 1),
        DutyStatus(duty: "audit_archival", enabled: false),
    ]
}
