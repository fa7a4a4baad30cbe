import AWSCore
import AWSDynamoDB
import Foundation
import Logging
import StreamConsumer
import ZaeLimiter

/// CPU per record of the daemon's whole processor from GetRecords bytes: decoding each page
/// (passing over the images of records zae-limiter's filter leaves out, as the engine's fetcher
/// does), the engine's record filter, exactly-once snapshots and the three bucket duties (refill, proactive doubling, shard_count
/// propagation, on one shared bucket-state cache as the daemon wires them), every table call
/// answered at once. `scripts/bench-duties cpu` runs it against zae-limiter's own
/// `process_stream_records` on the same records.
///
///   Benchmarks duties --pages FILE [--rounds N] [--breakdown] [--full-decode]
///
/// `--full-decode` decodes every record's images (no key filter), as before the fetcher had one.
/// `--client signed` puts the daemon's own DynamoDB client in the loop (request JSON, SigV4
/// signing, response parsing) over a transport that answers at once; by default every table call
/// is answered before any of that (`CountingDynamoDB`).
/// FILE holds one GetRecords response body per line (one page per batch). Prints one JSON line:
/// records, the duties' write requests, and the best round's CPU µs/record with and without duties;
/// `--breakdown` adds decoding alone and each duty alone (on top of decoding and snapshots).
enum DutiesBenchmark {
    static func run(arguments: [String]) throws {
        var path: String?
        var rounds = 5
        var breakdown = false
        var keyFilter: RecordKeyFilter? = ZaeLimiterRecordFilter.keyFilter
        var only: Int?
        var signed = false
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--pages": path = iterator.next()
            case "--rounds": rounds = Int(iterator.next() ?? "") ?? rounds
            case "--breakdown": breakdown = true
            case "--full-decode": keyFilter = nil
            case "--client": signed = iterator.next() == "signed"
            // One configuration alone, for a profiler: 0 decoding, 1 snapshots, 2 all duties.
            case "--only": only = Int(iterator.next() ?? "")
            default: print("unknown option \(argument)")
            }
        }
        guard let path else {
            print("usage: Benchmarks duties --pages FILE [--rounds N]")
            return
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let pages = text.split(separator: "\n").filter { !$0.isEmpty }.map { Array($0.utf8) }
        let records = try pages.reduce(0) { $0 + (try GetRecordsDecoder.decode($1).records.count) }
        let filter = ZaeLimiterRecordFilter.recordFilter
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

        // Configurations: 0 decoding alone, 1 snapshots, 2 all duties, 3… one duty each.
        let names = ["decode", "without_duties", "with_duties", "refill", "proactive_shard", "propagation"]
        var best = [Double](repeating: .infinity, count: breakdown ? names.count : 3)
        var dutyRequests = 0
        var tableRequests = 0
        for _ in 0..<rounds {
            for configuration in only.map({ [$0] }) ?? ([2, 1] + (breakdown ? [0, 3, 4, 5] : [])) {
                let (snapshots, snapshotRequests) = Self.table(signed: signed)
                let (maintenance, maintenanceRequests) = Self.table(signed: signed)
                let cache = BucketStateCache()
                var duties: [BatchDuty] = []
                if configuration == 2 || configuration == 3 {
                    duties.append(BucketRefillDuty(client: maintenance, tableName: "t", cache: cache, logger: logger))
                }
                if configuration == 2 || configuration == 4 {
                    duties.append(ProactiveShardDuty(client: maintenance, tableName: "t", cache: cache, logger: logger))
                }
                if configuration == 2 || configuration == 5 {
                    duties.append(ShardCountPropagationDuty(client: maintenance, tableName: "t", logger: logger))
                }
                let aggregator = UsageAggregator(
                    client: snapshots, settings: UsageAggregationSettings(tableName: "t"), rejectionHandler: nil,
                    duties: duties, logger: logger)
                let checkpointer = NullCheckpointer()
                let start = AggregationBenchmark.cpuSeconds()
                for page in pages {
                    // Records the key filter rejects come as `skipped` entries, as in the fetcher.
                    let output = try GetRecordsDecoder.decode(page, keyFilter: keyFilter)
                    let slice = output.records.filter { filter.accepts($0) }
                    guard configuration != 0, let last = output.lastSequenceNumber, !slice.isEmpty else { continue }
                    try aggregator.process(
                        RecordBatch(
                            streamArn: "a", shardId: "s", lane: 0, laneCount: 1, records: slice, batchEnd: last),
                        checkpointer: checkpointer)
                }
                best[configuration] = min(best[configuration], AggregationBenchmark.cpuSeconds() - start)
                if configuration == 2 {
                    dutyRequests = maintenanceRequests()
                    tableRequests = dutyRequests + snapshotRequests()
                }
            }
        }
        func us(_ seconds: Double) -> Double { (seconds * 1e8 / Double(max(1, records))).rounded() / 100 }
        var line =
            "{\"records\": \(records), \"pages\": \(pages.count), \"duty_write_requests\": \(dutyRequests), "
            + "\"table_requests\": \(tableRequests), \"client\": \"\(signed ? "signed" : "none")\", "
            + "\"with_duties_us_per_record\": \(us(best[2])), "
            + "\"without_duties_us_per_record\": \(us(best[1]))"
        if breakdown {
            line += ", \"decode_us_per_record\": \(us(best[0]))"
            for index in 3..<names.count { line += ", \"\(names[index])_only_us_per_record\": \(us(best[index]))" }
        }
        print(line + "}")
    }

    /// One side's table: `CountingDynamoDB`, or with `signed` the daemon's DynamoDB client (static
    /// credentials) over an `AnsweringTransport`; and how many requests it has taken.
    static func table(signed: Bool) -> (any DynamoDBAPI, requests: () -> Int) {
        guard signed else {
            let counting = CountingDynamoDB()
            return (counting, { counting.requests })
        }
        let transport = AnsweringTransport()
        let client = DynamoDBClient(
            endpoint: "https://dynamodb.us-east-1.amazonaws.com", region: "us-east-1", transport: transport,
            credentials: EngineBenchmark.credentials, retrier: Retrier(policy: .none, abortFlag: nil))
        return (client, { transport.requests.values.reduce(0, +) })
    }
}
