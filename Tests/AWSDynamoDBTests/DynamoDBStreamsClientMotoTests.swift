import AWSCore
import Foundation
import TestPeers
import Testing

@testable import AWSDynamoDB

@Suite struct DynamoDBStreamsClientMotoTests {
    /// A table with a stream, and the stream's ARN and first shard.
    private func streamFixture(_ moto: MotoServer) throws -> (
        DynamoDBClient, DynamoDBStreamsClient, String, String, String
    ) {
        let client = MotoClients.dynamoDB(moto.endpoint)
        let streams = MotoClients.streams(moto.endpoint)
        let table = MotoClients.uniqueName("stream")
        let arn = try #require(try MotoClients.createTable(client, table).latestStreamArn)
        let shard = try #require(try streams.describeStream(DescribeStreamInput(streamArn: arn)).shards.first)
        return (client, streams, table, arn, shard.shardId)
    }

    @Test func listStreams_findsTheTablesStream() throws {
        let moto = try MotoServer()
        let client = MotoClients.dynamoDB(moto.endpoint)
        let streams = MotoClients.streams(moto.endpoint)
        let first = MotoClients.uniqueName("ls")
        let second = MotoClients.uniqueName("ls")
        let firstArn = try MotoClients.createTable(client, first).latestStreamArn
        try MotoClients.createTable(client, second)
        let all = try streams.listStreams(ListStreamsInput())
        #expect(Set(all.streams.map(\.tableName)) == [first, second])
        let filtered = try streams.listStreams(ListStreamsInput(tableName: first))
        #expect(filtered.streams.map(\.streamArn) == [firstArn].compactMap { $0 })
        #expect(filtered.streams.first?.streamLabel.isEmpty == false)
    }

    @Test func listStreams_pagesWithExclusiveStartStreamArn() throws {
        let moto = try MotoServer()
        let client = MotoClients.dynamoDB(moto.endpoint)
        let streams = MotoClients.streams(moto.endpoint)
        let tables = (0..<3).map { _ in MotoClients.uniqueName("page") }
        for table in tables { try MotoClients.createTable(client, table) }
        var seen: [String] = []
        var start: String?
        var calls = 0
        repeat {
            let page = try streams.listStreams(ListStreamsInput(exclusiveStartStreamArn: start, limit: 1))
            seen += page.streams.map(\.tableName)
            start = page.lastEvaluatedStreamArn
            calls += 1
        } while start != nil && calls < 10
        // moto ignores Limit and returns every stream at once; the loop must still end.
        #expect(seen.sorted() == tables.sorted())
        #expect(start == nil)
    }

    @Test func describeStream_pagesWithExclusiveStartShardId_untilTheEnd() throws {
        let moto = try MotoServer()
        let (_, streams, table, arn, _) = try streamFixture(moto)
        var shards: [Shard] = []
        var start: String?
        var calls = 0
        repeat {
            let page = try streams.describeStream(
                DescribeStreamInput(streamArn: arn, exclusiveStartShardId: start, limit: 1))
            #expect(page.streamArn == arn)
            #expect(page.streamStatus == "ENABLED")
            #expect(page.tableName == table)
            #expect(page.streamViewType == "NEW_AND_OLD_IMAGES")
            #expect(page.shards.count <= 1)
            shards += page.shards
            start = page.lastEvaluatedShardId
            calls += 1
        } while start != nil && calls < 10
        #expect(start == nil)
        #expect(shards.count == 1)  // moto: one shard per table, open
        #expect(shards.first?.startingSequenceNumber != nil)
        #expect(shards.first?.endingSequenceNumber == nil)
    }

    @Test func getRecords_returnsInsertModifyRemove_withTheWrittenImages() throws {
        let moto = try MotoServer()
        let (client, streams, table, arn, shardId) = try streamFixture(moto)
        let key = MotoClients.key("P", "S")
        let first = key.merging(["v": .n("1"), "bin": .b([0, 255]), "set": .ss(["a"])]) { $1 }
        let second = key.merging(["v": .n("2"), "m": .m(["x": .l([.bool(true), .null])])]) { $1 }
        _ = try client.putItem(PutItemInput(tableName: table, item: first))
        _ = try client.putItem(PutItemInput(tableName: table, item: second))
        _ = try client.deleteItem(DeleteItemInput(tableName: table, key: key))

        let iterator = try streams.getShardIterator(
            GetShardIteratorInput(streamArn: arn, shardId: shardId, position: .trimHorizon))
        let page = try streams.getRecords(GetRecordsInput(shardIterator: iterator, limit: 100))
        #expect(page.records.map(\.eventName) == [.insert, .modify, .remove])
        #expect(page.nextShardIterator != nil)
        let records = page.records
        try #require(records.count == 3)
        #expect(records[0].keys == key)
        #expect(records[0].newImage == first)
        #expect(records[0].oldImage == nil)
        #expect(records[1].oldImage == first)
        #expect(records[1].newImage == second)
        #expect(records[2].oldImage == second)
        #expect(records[2].newImage == nil)
        #expect(records[0].sequenceNumber < records[1].sequenceNumber)
        #expect(records[1].sequenceNumber < records[2].sequenceNumber)
        #expect(
            records.allSatisfy { $0.approximateCreationDateTime != nil && $0.streamViewType == "NEW_AND_OLD_IMAGES" })

        // The raw page, decoded by the fast decoder and by the generic tree path, agrees.
        let raw = AWSJSONClient(
            endpoint: moto.endpoint, targetPrefix: DynamoDBStreamsClient.targetPrefix, region: "us-east-1",
            transport: CurlTransport(), credentials: MotoClients.credentials, retrier: MotoClients.fastRetrier())
        let again = try streams.getShardIterator(
            GetShardIteratorInput(streamArn: arn, shardId: shardId, position: .trimHorizon))
        let bytes = try raw.call("GetRecords", input: .object([("ShardIterator", .string(again))])) { $0 }
        let fast = try GetRecordsDecoder.decode(bytes)
        let tree = try GetRecordsOutput(json: JSONValue.parse(bytes))
        #expect(fast.records == tree.records)
        #expect(fast.records == records)

        // AT and AFTER a sequence number start where they say.
        let at = try streams.getShardIterator(
            GetShardIteratorInput(
                streamArn: arn, shardId: shardId, position: .atSequenceNumber(records[1].sequenceNumber)))
        #expect(
            try streams.getRecords(GetRecordsInput(shardIterator: at)).records.map(\.eventName) == [.modify, .remove])
        let after = try streams.getShardIterator(
            GetShardIteratorInput(
                streamArn: arn, shardId: shardId, position: .afterSequenceNumber(records[1].sequenceNumber)))
        #expect(try streams.getRecords(GetRecordsInput(shardIterator: after)).records.map(\.eventName) == [.remove])

        // LATEST sees only what is written after it.
        let latest = try streams.getShardIterator(
            GetShardIteratorInput(streamArn: arn, shardId: shardId, position: .latest))
        let empty = try streams.getRecords(GetRecordsInput(shardIterator: latest))
        #expect(empty.records.isEmpty)
        _ = try client.putItem(PutItemInput(tableName: table, item: MotoClients.key("Q", "S")))
        let next = try #require(empty.nextShardIterator)
        let fresh = try streams.getRecords(GetRecordsInput(shardIterator: next))
        #expect(fresh.records.map(\.eventName) == [.insert])
        #expect(fresh.records.first?.keys == MotoClients.key("Q", "S"))
    }

    @Test func describeStream_unknownStream_isFatalResourceNotFound() throws {
        let moto = try MotoServer()
        let streams = MotoClients.streams(moto.endpoint)
        let arn = "arn:aws:dynamodb:us-east-1:123456789012:table/missing/stream/2026-01-01T00:00:00.000"
        let error = #expect(throws: AWSError.self) { try streams.describeStream(DescribeStreamInput(streamArn: arn)) }
        #expect(error?.kind == .fatal)
        #expect(error?.code == "ResourceNotFoundException")
        #expect(error?.operation == "DescribeStream")
    }
}
