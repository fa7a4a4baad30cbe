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

    @Test func heldUpShards_areNamed_haltedFirst() {
        var throttled = shard("a", error: nil, age: nil)
        throttled.condition = LaneCondition(
            kind: .throttled, code: "ProvisionedThroughputExceededException", attempts: 3, since: .seconds(1))
        var halted = shard("b", error: nil, age: nil)
        halted.condition = LaneCondition(kind: .halted, code: "AccessDeniedException", attempts: 1, since: .seconds(2))
        var alsoThrottled = shard("c", error: nil, age: nil)
        alsoThrottled.condition = LaneCondition(
            kind: .throttled, code: "TransactionConflictException", attempts: 1, since: .seconds(3))
        let line = DaemonStatus.line(status([throttled, halted, alsoThrottled]))
        #expect(
            line
                == "3 shards owned, max iterator age 2.0 s, 15.0 rec/s, 1 shard HALTED (AccessDeniedException), "
                + "2 shards THROTTLED (ProvisionedThroughputExceededException/TransactionConflictException)")
        #expect(!DaemonStatus.line(status([shard("a", error: nil, age: nil)])).contains("THROTTLED"))
    }

    @Test func theStreamNote_leadsTheLine_andStandsAloneWhileWaiting() {
        let waiting = "waiting: table t has no stream enabled (enable NEW_AND_OLD_IMAGES)"
        #expect(DaemonStatus.line(nil, note: waiting) == waiting)
        let consuming = status([shard("a", error: nil, age: nil)])
        #expect(DaemonStatus.line(consuming, note: nil) == DaemonStatus.line(consuming))
        #expect(
            DaemonStatus.line(consuming, note: "draining stream old: table t now has stream new")
                == "draining stream old: table t now has stream new; " + DaemonStatus.line(consuming))
        #expect(DaemonStatus.streamLine(consuming, note: nil) == "consuming arn")
        #expect(DaemonStatus.streamLine(nil, note: waiting) == waiting)
    }

    @Test func unconfirmedLeases_areNamed() {
        var unconfirmed = status([shard("a", error: nil, age: nil), shard("b", error: nil, age: nil)])
        unconfirmed.leasesUnconfirmed = 1
        #expect(
            DaemonStatus.line(unconfirmed)
                == "2 shards owned, max iterator age 2.0 s, 10.0 rec/s, 1 lease UNCONFIRMED (shard paused)")
        unconfirmed.leasesUnconfirmed = 2
        #expect(DaemonStatus.line(unconfirmed).hasSuffix(", 2 leases UNCONFIRMED (shards paused)"))
        #expect(!DaemonStatus.line(status([shard("a", error: nil, age: nil)])).contains("UNCONFIRMED"))
    }
}
