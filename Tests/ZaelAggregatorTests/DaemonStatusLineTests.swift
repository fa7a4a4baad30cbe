import Testing

@testable import StreamConsumer
@testable import ZaelAggregator

/// The one-line `STATUS=` text: counts, and only a recent error, with its age.
@Suite struct DaemonStatusLineTests {
    private func status(_ shards: [ConsumerStatus.ShardStatus]) -> ConsumerStatus {
        ConsumerStatus(
            workerId: "w", streamArn: "arn", shards: shards, leasesOwned: shards.count, recordsProcessed: 0,
            retries: 0, bisects: 0, spooledRecords: 0, running: true)
    }

    private func shard(_ id: String, error: String?, age: Duration?) -> ConsumerStatus.ShardStatus {
        ConsumerStatus.ShardStatus(
            shardId: id, owner: "w", state: "processing", checkpoint: nil, iteratorAge: .seconds(2),
            recordsPerSecond: 5, lastError: error, lastErrorAge: age)
    }

    @Test func aRecentError_isShownWithItsAge_theNewestOfAllShards() {
        let line = DaemonStatus.line(
            status([
                shard("a", error: "older: throttled", age: .seconds(90)),
                shard("b", error: "newer: InternalServerError", age: .seconds(12)),
            ]))
        #expect(
            line
                == "2 shards owned, max iterator age 2.0 s, 10.0 rec/s, last error 12 s ago: newer: InternalServerError"
        )
    }

    @Test func anErrorTheShardsRecoveredFromLongAgo_isNoLongerNews() {
        let line = DaemonStatus.line(status([shard("a", error: "throttled", age: .seconds(601))]))
        #expect(line == "1 shard owned, max iterator age 2.0 s, 5.0 rec/s")
        #expect(!DaemonStatus.line(status([shard("a", error: nil, age: nil)])).contains("error"))
    }
}
