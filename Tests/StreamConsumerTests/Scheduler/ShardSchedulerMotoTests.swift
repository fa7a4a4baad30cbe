import AWSCore
import AWSDynamoDB
import Foundation
import StreamConsumerTestKit
import TestPeers
import Testing

@testable import StreamConsumer

/// Applies each record once to an `effects` table in DynamoDB: `ADD applied 1` per record and the
/// lane's fenced checkpoint in one TransactWriteItems (≤ 100 actions).
final class DynamoDBEffectsProcessor: RecordProcessor {
    let client: DynamoDBClient
    init(client: DynamoDBClient) { self.client = client }

    func initialize(_ input: InitializationInput) throws {}

    func process(_ batch: RecordBatch, checkpointer: Checkpointer) throws {
        var start = 0
        while start < batch.records.count {
            let chunk = batch.records[start..<min(batch.records.count, start + 99)]
            start += chunk.count
            let target = start == batch.records.count ? batch.batchEnd : chunk.last!.sequenceNumber
            var items: [TransactWriteItem] = chunk.map { record in
                .update(
                    UpdateItemInput(
                        tableName: "effects", key: ["id": .s(record.sequenceNumber.digits)],
                        updateExpression: "ADD applied :one", expression: ExpressionParts(values: [":one": .n("1")])))
            }
            items.append(checkpointer.fencedCheckpoint(to: target))
            do {
                _ = try client.transactWriteItems(TransactWriteItemsInput(items: items))
            } catch let error as AWSError where error.kind == .conditional {
                throw LeaseLostError(shardId: batch.shardId)
            }
            checkpointer.committed(to: target)
        }
    }

    func leaseLost(_ input: LeaseLostInput) {}
    func shardEnded(_ input: ShardEndedInput) throws {}
    func shutdownRequested(_ input: ShutdownRequestedInput) throws {}
}

struct DynamoDBEffectsProcessorFactory: RecordProcessorFactory {
    let peer: MotoPeer
    func makeProcessor(shardId: String, lane: Int, laneCount: Int) -> RecordProcessor {
        DynamoDBEffectsProcessor(client: peer.dynamoDB())
    }
}

/// The whole engine over moto: real clients, a real stream, the lease table in DynamoDB.
@Suite(.serialized) struct ShardSchedulerMotoTests {
    func streamRecords(_ peer: MotoPeer, _ arn: String) throws -> [SequenceNumber] {
        let streams = peer.streams()
        let shard = try #require(try streams.describeStream(DescribeStreamInput(streamArn: arn)).shards.first)
        var iterator: String? = try streams.getShardIterator(
            GetShardIteratorInput(streamArn: arn, shardId: shard.shardId, position: .trimHorizon))
        var result: [SequenceNumber] = []
        while let current = iterator {
            let page = try streams.getRecords(GetRecordsInput(shardIterator: current, limit: 1000))
            result += page.records.map(\.sequenceNumber)
            iterator = page.records.isEmpty ? nil : page.nextShardIterator
        }
        return result
    }

    @Test func realStream_appliedExactlyOnce_acrossACrashAndATakeover() throws {
        let moto = try MotoServer()
        let peer = MotoPeer(endpoint: moto.endpoint)
        let client = peer.dynamoDB()
        let data = try client.createTable(
            CreateTableInput(
                tableName: "data",
                keySchema: [KeySchemaElement(attributeName: "PK", keyType: "HASH")],
                attributeDefinitions: [AttributeDefinition(attributeName: "PK", attributeType: "S")],
                streamViewType: "NEW_AND_OLD_IMAGES"))
        let arn = try #require(data.latestStreamArn)
        try client.createEffectsTable()
        func write(_ range: Range<Int>) throws {
            for index in range {
                _ = try client.putItem(
                    PutItemInput(tableName: "data", item: ["PK": .s("k\(index % 12)"), "v": .n(String(index))]))
            }
        }
        try write(0..<40)

        func scheduler(_ worker: String) -> ShardScheduler {
            var configuration = ConsumerConfiguration(
                streamArn: arn, workerId: worker, failoverTime: .seconds(1), shardSyncInterval: .seconds(1),
                startingPosition: .trimHorizon, tunables: fastTunables(batchSize: 15, parallelization: 2),
                idleLaneCheckpointInterval: .milliseconds(200))
            configuration.tunables.batchingWindow = .milliseconds(50)
            return ShardScheduler(
                configuration: configuration, processorFactory: DynamoDBEffectsProcessorFactory(peer: peer),
                makeStreamsClient: { peer.streams() }, makeLeaseStore: { peer.leaseTable("leases") },
                failureDestination: InMemoryFailureDestination(), logger: quietLogger)
        }
        let first = scheduler("w1")
        try first.start()
        var expected = try streamRecords(peer, arn)
        #expect(expected.count == 40)
        #expect(eventually(timeout: .seconds(30)) { (try? client.appliedCounts().count) == expected.count })
        first.simulateCrash()

        try write(40..<70)
        expected = try streamRecords(peer, arn)
        let second = scheduler("w2")
        try second.start()
        #expect(eventually(timeout: .seconds(30)) { (try? client.appliedCounts().count) == expected.count })
        second.shutdown(timeout: .seconds(10))

        let counts = try client.appliedCounts()
        #expect(Set(counts.keys) == Set(expected.map(\.digits)))
        #expect(counts.values.allSatisfy { $0 == "1" }, "every record applied exactly once")
        let leases = try peer.leaseTable("leases").listLeases()
        #expect(leases.count == 1)
        #expect(leases.first?.owner == nil, "released at shutdown")
        #expect(leases.first?.checkpoint == .sequence(expected.max()!))
        #expect(leases.first?.laneCount == 2)
    }
}
