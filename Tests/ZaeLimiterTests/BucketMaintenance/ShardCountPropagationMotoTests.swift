import AWSCore
import AWSDynamoDB
import Foundation
import Logging
import Metrics
import TestPeers
import Testing

@testable import ZaeLimiter

/// Propagation against a real moto server and zae-limiter's own table definition: one quota
/// clone's TransactWriteItems (Put, donor Update, META ConditionCheck) must be accepted and
/// move exactly one share; a replay and an owner moved since the image must cancel it whole.
@Suite(.serialized) struct ShardCountPropagationMotoTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    static let now = 1_780_000_000_000
    static let ns = "ns1"

    static func client(_ moto: MotoServer) -> DynamoDBClient {
        DynamoDBClient(
            endpoint: moto.endpoint, region: "us-east-1", transport: CurlTransport(),
            credentials: StaticCredentialProvider(
                Credentials(accessKeyID: "testing", secretAccessKey: "testing", source: "test")),
            retrier: Retrier(
                policy: RetryPolicy(maxAttempts: 2), budget: RetryBudget(), random: { 0 }, sleep: { _ in true }))
    }

    /// Shard 0 of `entity` just after a doubling 1 → 2: a session quota `q` (full, granted at
    /// count 1, window live and applied), a dripping `rpm`, the owner stamp `pgen` / `pinc`.
    static func shardZero(_ entity: String, shardCount: Int) -> Item {
        let windowStart = now - 60_000
        return [
            "PK": .s(ZaeLimiterSchema.bucketPartitionKey(namespace: ns, entity: entity, resource: "api", shard: 0)),
            "SK": .s("#STATE"), "entity_id": .s(entity), "resource": .s("api"),
            "GSI2PK": .s("\(ns)/RESOURCE#api"), "GSI2SK": .s("BUCKET#\(entity)#0"),
            "GSI3PK": .s("\(ns)/ENTITY#\(entity)"), "GSI3SK": .s("BUCKET#api#0"),
            "GSI4PK": .s(ns), "GSI4SK": .s("BUCKET#\(entity)#api#0"),
            "rf": .n(String(now - 5_000)), "shard_count": .n(String(shardCount)), "pgen": .n("2"), "pinc": .s("inc-1"),
            "b_q_cp": .n("10000000"), "b_q_ra": .n("0"), "b_q_rp": .n("1000"), "b_q_tk": .n("9000000"),
            "b_q_tc": .n("1000000"), "b_q_rsa": .n("3600"), "b_q_ws": .n(String(windowStart)),
            "b_q_wa": .n(String(windowStart)), "b_q_gc": .n("1"), "b_q_wtc": .n("500"), "b_q_tu": .n("7000"),
            "b_rpm_cp": .n("60000"), "b_rpm_ra": .n("60000"), "b_rpm_rp": .n("60000"), "b_rpm_tk": .n("12000"),
            "b_rpm_tc": .n("99000"),
        ]
    }

    static func record(_ newImage: Item) -> StreamRecord {
        var oldImage = newImage
        oldImage["shard_count"] = .n("1")
        return StreamRecord(
            eventID: "e", eventName: .modify, keys: ["PK": newImage["PK"]!, "SK": newImage["SK"]!],
            newImage: newImage, oldImage: oldImage, sequenceNumber: SequenceNumber("100")!)
    }

    static func get(_ client: DynamoDBClient, _ table: String, _ pk: String, _ sk: String = "#STATE") throws -> Item? {
        try client.getItem(GetItemInput(tableName: table, key: ["PK": .s(pk), "SK": .s(sk)], consistentRead: true))
    }

    @Test func oneQuotaClone_isOneTransactionThatMovesAShare() throws {
        guard Peers.available else { throw PeerError("ZAEL_VENV is not set up") }
        let moto = try MotoServer()
        defer { moto.stop() }
        let table = "zl-prop"
        _ = try Peers.runPython(
            [
                "-c",
                "import sys; sys.path.insert(0, sys.argv[1]); from zl_common import create_table, setup_environment; "
                    + "setup_environment(sys.argv[2]); create_table(sys.argv[2], sys.argv[3], stream=False)",
                Peers.script("").path, moto.endpoint, table,
            ], environment: moto.awsEnvironment)
        let client = Self.client(moto)
        for (entity, pgen) in [("alice", "2"), ("bob", "3")] {
            _ = try client.putItem(
                PutItemInput(
                    tableName: table,
                    item: [
                        "PK": .s("\(Self.ns)/ENTITY#\(entity)"), "SK": .s("#META"), "pgen": .n(pgen),
                        "pinc": .s("inc-1"),
                    ]))
            _ = try client.putItem(PutItemInput(tableName: table, item: Self.shardZero(entity, shardCount: 2)))
        }
        let duty = ShardCountPropagationDuty(
            client: client, tableName: table, logger: Self.logger, metricsFactory: NOOPMetricsHandler.instance)

        // alice: the clone is written, funded by a move of one share (10_000_000 // 2) off shard 0.
        let first = try duty.propagate(Self.record(Self.shardZero("alice", shardCount: 2)), now: Self.now)
        #expect(first.created == 1 && first.skipped == 0)
        let clone = try #require(try Self.get(client, table, "\(Self.ns)/BUCKET#alice#api#1"))
        #expect(clone["b_q_tk"] == .n("5000000"))
        #expect(clone["b_q_gc"] == .n("2") && clone["b_q_tu"] == nil)
        #expect(clone["b_q_tc"] == .n("0") && clone["b_q_wtc"] == .n("0"))
        #expect(clone["b_rpm_tk"] == .n("30000") && clone["b_rpm_tc"] == .n("0"))
        #expect(clone["shard_count"] == .n("2") && clone["GSI2SK"] == .s("BUCKET#alice#1"))
        #expect(clone["GSI3SK"] == .s("BUCKET#api#1") && clone["GSI4SK"] == .s("BUCKET#alice#api#1"))
        #expect(clone["pgen"] == .n("2") && clone["b_q_ws"] == Self.shardZero("alice", shardCount: 2)["b_q_ws"])
        let donor = try #require(try Self.get(client, table, "\(Self.ns)/BUCKET#alice#api#0"))
        #expect(donor["b_q_tk"] == .n("4000000"))

        // A replay (the batch delivered again) cancels as a whole: the donor is not debited twice.
        let replay = try duty.propagate(Self.record(Self.shardZero("alice", shardCount: 2)), now: Self.now)
        #expect(replay.created == 0 && replay.skipped == 1)
        #expect(try Self.get(client, table, "\(Self.ns)/BUCKET#alice#api#0")?["b_q_tk"] == .n("4000000"))

        // bob's owner moved since the image (META pgen 3, image pgen 2): no clone, no debit.
        let moved = try duty.propagate(Self.record(Self.shardZero("bob", shardCount: 2)), now: Self.now)
        #expect(moved.created == 0 && moved.skipped == 1)
        #expect(try Self.get(client, table, "\(Self.ns)/BUCKET#bob#api#1") == nil)
        #expect(try Self.get(client, table, "\(Self.ns)/BUCKET#bob#api#0")?["b_q_tk"] == .n("9000000"))
    }
}
