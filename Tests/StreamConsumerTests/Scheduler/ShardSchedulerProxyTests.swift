import AWSCore
import AWSDynamoDB
import Foundation
import StreamConsumerTestKit
import TestPeers
import Testing

@testable import StreamConsumer

/// The whole engine over the stream proxy: a multi-shard stream that rolls over and splits while
/// it is consumed, with throttles, empty pages, 5xx and expired iterators injected.
@Suite(.serialized) struct ShardSchedulerProxyTests {
    @Test func lineageAndFaults_everyRecordAppliedOnce() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let proxy = try StreamProxy(upstream: moto, table: "data", shards: 3, rolloverEvery: 6)
        defer { proxy.stop() }
        let peer = MotoPeer(endpoint: proxy.endpoint)
        let client = peer.dynamoDB()
        let data = try client.createTable(
            CreateTableInput(
                tableName: "data", keySchema: [KeySchemaElement(attributeName: "PK", keyType: "HASH")],
                attributeDefinitions: [AttributeDefinition(attributeName: "PK", attributeType: "S")],
                streamViewType: "NEW_AND_OLD_IMAGES"))
        let arn = try #require(data.latestStreamArn)
        try client.createEffectsTable()
        func write(_ range: Range<Int>) throws {
            for index in range {
                _ = try client.putItem(
                    PutItemInput(tableName: "data", item: ["PK": .s("k\(index % 9)"), "v": .n(String(index))]))
            }
            try proxy.control(["action": "sync"])
        }
        func scheduler(_ worker: String) -> ShardScheduler {
            var configuration = ConsumerConfiguration(
                streamArn: arn, workerId: worker, failoverTime: .seconds(1), shardSyncInterval: .milliseconds(300),
                startingPosition: .trimHorizon, tunables: fastTunables(batchSize: 10, parallelization: 2),
                idleLaneCheckpointInterval: .milliseconds(200))
            configuration.tunables.batchingWindow = .milliseconds(50)
            return ShardScheduler(
                configuration: configuration, processorFactory: DynamoDBEffectsProcessorFactory(peer: peer),
                makeStreamsClient: { peer.streams() }, makeLeaseStore: { peer.leaseTable("leases") },
                failureDestination: InMemoryFailureDestination(), logger: quietLogger)
        }
        for (api, kind, count) in [
            ("GetRecords", "throttle", 3), ("GetRecords", "empty", 3), ("DescribeStream", "error500", 1),
            ("TransactWriteItems", "throttle", 1),
        ] {
            try proxy.control(["action": "fault", "api": api, "kind": kind, "count": count])
        }
        try write(0..<60)
        let first = scheduler("w1")
        try first.start()
        #expect(eventually(timeout: .seconds(60)) { (try? client.appliedCounts().count) == 60 })
        try proxy.control(["action": "expire_iterators"])
        try proxy.control(["action": "rollover", "children": 2])
        try write(60..<100)
        #expect(eventually(timeout: .seconds(60)) { (try? client.appliedCounts().count) == 100 })
        first.simulateCrash()

        try write(100..<120)
        let second = scheduler("w2")
        try second.start()
        #expect(eventually(timeout: .seconds(60)) { (try? client.appliedCounts().count) == 120 })
        second.shutdown(timeout: .seconds(10))

        let counts = try client.appliedCounts()
        #expect(counts.count == 120)
        #expect(counts.values.allSatisfy { $0 == "1" }, "every record applied exactly once")
        let model = try proxy.shards()
        let shards = try #require(model["shards"] as? [[String: Any]])
        let closed = Set(shards.filter { $0["closed"] as? Bool == true }.compactMap { $0["ShardId"] as? String })
        #expect(closed.count >= 6)
        for lease in try peer.leaseTable("leases").listLeases() where closed.contains(lease.shardId) {
            #expect(lease.checkpoint == .shardEnd, "closed shard \(lease.shardId) ends at SHARD_END")
        }
        let faults = try #require(try proxy.stats()["faults"] as? [String: [String: Int]])
        #expect(faults["GetRecords"] == ["throttle": 3, "empty": 3])
        #expect(faults["DescribeStream"] == ["error500": 1])
        #expect(faults["TransactWriteItems"] == ["throttle": 1])
    }
}
