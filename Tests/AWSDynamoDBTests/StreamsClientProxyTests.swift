import AWSCore
import Foundation
import TestPeers
import Testing

@testable import AWSDynamoDB

/// The Swift clients against the stream proxy (Tests/peers/stream_proxy.py) in front of moto:
/// a multi-shard stream with lineage, and the stream faults a consumer must tell apart.
@Suite struct StreamsClientProxyTests {
    /// Writes `count` items over `keys` partition keys through the proxy and waits until the
    /// virtual stream holds them all.
    private func write(_ count: Int, keys: Int, table: String, proxy: StreamProxy) throws {
        let client = MotoClients.dynamoDB(proxy.endpoint)
        for n in 0..<count {
            let item: Item = ["PK": .s("k\(n % keys)"), "SK": .s("#STATE"), "n": .n(String(n))]
            _ = try client.putItem(PutItemInput(tableName: table, item: item))
        }
        try proxy.control(["action": "sync"])
    }

    private func allShards(_ streams: DynamoDBStreamsClient, _ arn: String, limit: Int) throws -> [Shard] {
        var shards: [Shard] = []
        var start: String?
        repeat {
            let page = try streams.describeStream(
                DescribeStreamInput(streamArn: arn, exclusiveStartShardId: start, limit: limit))
            shards += page.shards
            start = page.lastEvaluatedShardId
        } while start != nil
        return shards
    }

    @Test func readsLineageToShardEndInPerKeyOrder() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let table = MotoClients.uniqueName("proxied")
        let proxy = try StreamProxy(upstream: moto, table: table, shards: 2, rolloverEvery: 4)
        defer { proxy.stop() }
        let arn = try #require(try MotoClients.createTable(MotoClients.dynamoDB(proxy.endpoint), table).latestStreamArn)
        try write(40, keys: 5, table: table, proxy: proxy)

        let streams = MotoClients.streams(proxy.endpoint)
        let shards = try allShards(streams, arn, limit: 2)
        #expect(Set(shards.map(\.shardId)).count == shards.count)
        #expect(shards.count > 2 && shards.contains { $0.parentShardId != nil })
        var perKey: [String: [Int]] = [:]
        for shard in shards {  // creation order: parents before children
            var iterator: String? = try streams.getShardIterator(
                GetShardIteratorInput(streamArn: arn, shardId: shard.shardId, position: .trimHorizon))
            var pages = 0
            while let current = iterator, pages < 100 {
                let page = try streams.getRecords(GetRecordsInput(shardIterator: current, limit: 3))
                for record in page.records {
                    guard case .s(let key) = record.keys["PK"], case .n(let n) = record.newImage?["n"] else {
                        Issue.record("record without PK or n: \(record)")
                        continue
                    }
                    perKey[key, default: []].append(Int(n) ?? -1)
                    #expect(record.approximateCreationDateTime.map { $0 == $0.rounded() } == true)
                }
                iterator = page.records.isEmpty && shard.endingSequenceNumber == nil ? nil : page.nextShardIterator
                pages += 1
            }
            if shard.endingSequenceNumber != nil { #expect(iterator == nil) }  // shard end reached
        }
        for key in 0..<5 { #expect(perKey["k\(key)"] == Array(stride(from: key, to: 40, by: 5))) }
    }

    @Test func streamFaultsKeepTheirCodesAndThrottlesAreRetried() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let table = MotoClients.uniqueName("faults")
        let proxy = try StreamProxy(upstream: moto, table: table, shards: 1)
        defer { proxy.stop() }
        let arn = try #require(try MotoClients.createTable(MotoClients.dynamoDB(proxy.endpoint), table).latestStreamArn)
        try write(3, keys: 3, table: table, proxy: proxy)
        let streams = MotoClients.streams(proxy.endpoint)
        let shard = try #require(try allShards(streams, arn, limit: 100).first)
        let iterator = try streams.getShardIterator(
            GetShardIteratorInput(streamArn: arn, shardId: shard.shardId, position: .trimHorizon))

        try proxy.control(["action": "fault", "api": "GetRecords", "kind": "throttle", "count": 2])
        #expect(try streams.getRecords(GetRecordsInput(shardIterator: iterator)).records.count == 3)
        let faults = try #require(try proxy.stats()["faults"] as? [String: [String: Int]])
        #expect(faults["GetRecords"]?["throttle"] == 2)

        try proxy.control(["action": "expire_iterators"])
        expectCode("ExpiredIteratorException") { _ = try streams.getRecords(GetRecordsInput(shardIterator: iterator)) }
        expectCode("ResourceNotFoundException") {
            _ = try streams.getShardIterator(
                GetShardIteratorInput(
                    streamArn: arn, shardId: "shardId-00000001700000000000-00000000", position: .latest))
        }
        let fresh = try streams.getShardIterator(
            GetShardIteratorInput(streamArn: arn, shardId: shard.shardId, position: .trimHorizon))
        let last = try #require(try streams.getRecords(GetRecordsInput(shardIterator: fresh)).records.last)
        try proxy.control(["action": "trim", "before": last.sequenceNumber.description])
        expectCode("TrimmedDataAccessException") { _ = try streams.getRecords(GetRecordsInput(shardIterator: fresh)) }
    }

    private func expectCode(_ code: String, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected \(code)")
        } catch let error as AWSError {
            #expect(error.code == code)
            #expect(!error.isRetryable)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
