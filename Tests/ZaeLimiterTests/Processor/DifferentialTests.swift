import AWSCore
import AWSDynamoDB
import Foundation
import Logging
import StreamConsumer
import TestPeers
import Testing

@testable import ZaeLimiter

/// The daemon's aggregator against zae-limiter's own `process_stream_records`, on the same
/// stream records of real zae-limiter 0.17.0 traffic, each writing to its own copy of the
/// table on a real moto server. Every `#USAGE#` item must match attribute by attribute (`ttl`
/// by presence), and zae-limiter's own readers must answer the same from both tables.
@Suite(.serialized) struct DifferentialTests {
    struct Fixture {
        let moto: MotoServer
        let directory: URL
        let dump: URL
        let oracleWrites: Int

        init(rounds: Int, skewed: Bool = false) throws {
            moto = try MotoServer()
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("zl-diff-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            dump = directory.appendingPathComponent("records.json")
            var traffic = [
                "--endpoint", moto.endpoint, "--table", "zl-src", "--out", dump.path, "--rounds", "\(rounds)",
            ]
            if skewed { traffic.append("--skewed") }
            _ = try Self.peer("zl_traffic.py", traffic, moto)
            _ = try Self.peer(
                "zl_oracle.py",
                [
                    "prepare", "--endpoint", moto.endpoint, "--source", "zl-src", "--targets", "zl-ref", "zl-swift",
                    "--lease-table", "zl-leases",
                ],
                moto)
            let result = try JSONValue.parse(
                Array(
                    try Self.peer(
                        "zl_oracle.py",
                        ["run", "--endpoint", moto.endpoint, "--records", dump.path, "--table", "zl-ref"], moto)))
            #expect(result["errors"]?.arrayValue?.isEmpty == true)
            oracleWrites = Int(result["snapshot_writes"]?.numberText ?? "0") ?? 0
        }

        static func peer(_ script: String, _ arguments: [String], _ moto: MotoServer) throws -> Data {
            return try Peers.runPython([Peers.script(script).path] + arguments, environment: moto.awsEnvironment)
        }

        func records() throws -> [StreamRecord] {
            try GetRecordsDecoder.decode(Array(try Data(contentsOf: dump))).records
        }

        func dumpTable(_ table: String) throws -> JSONValue {
            try JSONValue.parse(
                Array(try Self.peer("zl_dump_items.py", ["--endpoint", moto.endpoint, "--table", table], moto)))
        }

        func cleanUp() {
            moto.stop()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// Runs the aggregator over the records in batches of `batchSize` (the Lambda's BatchSize).
    static func client(_ fixture: Fixture) -> DynamoDBClient {
        DynamoDBClient(
            endpoint: fixture.moto.endpoint, region: "us-east-1", transport: CurlTransport(),
            credentials: StaticCredentialProvider(
                Credentials(accessKeyID: "testing", secretAccessKey: "testing", source: "test")),
            retrier: Retrier(
                policy: RetryPolicy(maxAttempts: 3), budget: RetryBudget(), random: { 0 }, sleep: { _ in true }))
    }

    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func aggregate(
        _ records: [StreamRecord], fixture: Fixture, delivery: SnapshotDelivery, batchSize: Int = 100
    ) throws -> UsageAggregatorStatistics {
        guard Peers.available else { throw PeerError("ZAEL_VENV is not set up") }
        let client = Self.client(fixture)
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        try SchemaVersionCheck(tableName: "zl-swift").run(client: client, logger: logger)
        let checkpointer = try LeaseTableCheckpointer(
            client: client, table: "zl-leases", shardId: "shard-0", owner: "me")
        let aggregator = UsageAggregator(
            client: client, settings: UsageAggregationSettings(tableName: "zl-swift", delivery: delivery),
            rejectionHandler: nil, logger: logger)
        for start in stride(from: 0, to: records.count, by: batchSize) {
            let slice = Array(records[start..<min(start + batchSize, records.count)])
            try aggregator.process(
                RecordBatch(
                    streamArn: "arn", shardId: "shard-0", lane: 0, laneCount: 1, records: slice,
                    batchEnd: slice.last!.sequenceNumber),
                checkpointer: checkpointer)
        }
        #expect(checkpointer.lastCheckpoint == records.last?.sequenceNumber)
        return aggregator.statistics
    }

    func expectSameSnapshots(_ fixture: Fixture, overdraw: Bool = true) throws {
        let reference = try fixture.dumpTable("zl-ref")
        let daemon = try fixture.dumpTable("zl-swift")
        let referenceItems = reference["items"]?.arrayValue ?? []
        #expect(!referenceItems.isEmpty)
        #expect((daemon["items"]?.arrayValue ?? []).count == referenceItems.count)
        for (ours, theirs) in zip(daemon["items"]?.arrayValue ?? [], referenceItems) {
            #expect(ours == theirs)
        }
        #expect(daemon["snapshots"] == reference["snapshots"])
        #expect(daemon["summaries"] == reference["summaries"])
        // The traffic crossed hours, a day and a month, and overdrew a soft limit.
        let text = String(decoding: reference.serializedBytes(), as: UTF8.self)
        #expect(text.contains("2026-02-01T00:00:00Z") && text.contains("2026-01-31T23:00:00Z"))
        #expect(text.contains("tpm#od") == overdraw)
    }

    @Test func exactlyOnce_matchesTheReferenceProcessor() throws {
        let fixture = try Fixture(rounds: 30)
        defer { fixture.cleanUp() }
        let records = try fixture.records()
        let statistics = try aggregate(records, fixture: fixture, delivery: .exactlyOnce)
        try expectSameSnapshots(fixture)
        #expect(statistics.snapshotWrites < fixture.oracleWrites)

        // A zombie worker that still believes in an old checkpoint replays the first batch: the
        // fence refuses it (moto rolls the whole transaction back) and no count changes.
        let zombie = try LeaseTableCheckpointer(
            client: Self.client(fixture), table: "zl-leases", shardId: "shard-0", owner: "me",
            believing: records[0].sequenceNumber)
        let replayer = UsageAggregator(
            client: Self.client(fixture), settings: UsageAggregationSettings(tableName: "zl-swift"),
            rejectionHandler: nil, logger: Self.logger)
        let first = Array(records.prefix(100))
        #expect(throws: LeaseLostError.self) {
            try replayer.process(
                RecordBatch(
                    streamArn: "arn", shardId: "shard-0", lane: 0, laneCount: 1, records: first,
                    batchEnd: first.last!.sequenceNumber),
                checkpointer: zombie)
        }
        try expectSameSnapshots(fixture)
        print(
            "differential exactly-once: \(records.count) records, reference UpdateItems \(fixture.oracleWrites), daemon transactions \(statistics.transactions) with \(statistics.snapshotWrites) item updates"
        )
    }

    @Test func atLeastOnce_matchesTheReferenceProcessor() throws {
        let fixture = try Fixture(rounds: 20, skewed: true)
        defer { fixture.cleanUp() }
        let records = try fixture.records()
        let statistics = try aggregate(records, fixture: fixture, delivery: .atLeastOnce)
        try expectSameSnapshots(fixture, overdraw: false)
        #expect(statistics.transactions == 0)
        print(
            "differential at-least-once (skewed): \(records.count) records, reference UpdateItems \(fixture.oracleWrites), daemon UpdateItems \(statistics.snapshotWrites)"
        )
    }
}
