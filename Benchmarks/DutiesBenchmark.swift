import AWSDynamoDB
import Foundation
import Logging
import StreamConsumer
import ZaeLimiter

/// CPU per record of the daemon's whole processor from GetRecords bytes: decoding each page,
/// exactly-once snapshots and the three bucket duties (refill, proactive doubling, shard_count
/// propagation, on one shared bucket-state cache as the daemon wires them), every table call
/// answered at once. `scripts/bench-duties cpu` runs it against zae-limiter's own
/// `process_stream_records` on the same records.
///
///   Benchmarks duties --pages FILE [--rounds N]
///
/// FILE holds one GetRecords response body per line (one page per batch). Prints one JSON line:
/// records, the duties' write requests, and the best round's CPU µs/record with and without duties.
enum DutiesBenchmark {
    static func run(arguments: [String]) throws {
        var path: String?
        var rounds = 5
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--pages": path = iterator.next()
            case "--rounds": rounds = Int(iterator.next() ?? "") ?? rounds
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
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

        var bestWith = Double.infinity
        var bestWithout = Double.infinity
        var dutyRequests = 0
        for _ in 0..<rounds {
            for withDuties in [true, false] {
                let snapshots = CountingDynamoDB()
                let maintenance = CountingDynamoDB()
                let cache = BucketStateCache()
                let duties: [BatchDuty] =
                    withDuties
                    ? [
                        BucketRefillDuty(
                            client: maintenance, tableName: "t", cache: cache, logger: logger),
                        ProactiveShardDuty(
                            client: maintenance, tableName: "t", cache: cache, logger: logger),
                        ShardCountPropagationDuty(
                            client: maintenance, tableName: "t", logger: logger),
                    ] : []
                let aggregator = UsageAggregator(
                    client: snapshots, settings: UsageAggregationSettings(tableName: "t"), rejectionHandler: nil,
                    duties: duties, logger: logger)
                let checkpointer = NullCheckpointer()
                let start = AggregationBenchmark.cpuSeconds()
                for page in pages {
                    let slice = try GetRecordsDecoder.decode(page).records
                    guard let last = slice.last else { continue }
                    try aggregator.process(
                        RecordBatch(
                            streamArn: "a", shardId: "s", lane: 0, laneCount: 1, records: slice,
                            batchEnd: last.sequenceNumber),
                        checkpointer: checkpointer)
                }
                let seconds = AggregationBenchmark.cpuSeconds() - start
                if withDuties {
                    bestWith = min(bestWith, seconds)
                    dutyRequests = maintenance.requests
                } else {
                    bestWithout = min(bestWithout, seconds)
                }
            }
        }
        func us(_ seconds: Double) -> Double { (seconds * 1e8 / Double(max(1, records))).rounded() / 100 }
        print(
            "{\"records\": \(records), \"pages\": \(pages.count), \"duty_write_requests\": \(dutyRequests), "
                + "\"with_duties_us_per_record\": \(us(bestWith)), "
                + "\"without_duties_us_per_record\": \(us(bestWithout))}")
    }
}
