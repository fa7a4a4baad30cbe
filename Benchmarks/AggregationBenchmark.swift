import AWSCore
import AWSDynamoDB
import Foundation
import Logging
import StreamConsumer
import ZaeLimiter

/// Write requests per 1000 records and CPU per record of the usage aggregator, on a skewed and a
/// uniform synthetic zae-limiter workload. With `--out DIR` it also writes each workload as a
/// GetRecords-shaped JSON file, for `Tests/peers/zl_bench_python.py` to run the reference on.
///
///   Benchmarks aggregation [--records N] [--batch N] [--out DIR]
enum AggregationBenchmark {
    static func run(arguments: [String]) throws {
        var records = 10_000
        var batch = 100
        var out: String?
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--records": records = Int(iterator.next() ?? "") ?? records
            case "--batch": batch = Int(iterator.next() ?? "") ?? batch
            case "--out": out = iterator.next()
            default: print("unknown option \(argument)")
            }
        }
        for skewed in [true, false] {
            let name = skewed ? "skewed" : "uniform"
            let workload = Workload.make(records: records, skewed: skewed)
            if let out {
                let url = URL(fileURLWithPath: out).appendingPathComponent("aggregation-\(name).json")
                try Data(workload.json().serializedBytes()).write(to: url)
            }
            measureParse(name: name, records: workload.records)
            for delivery in [SnapshotDelivery.exactlyOnce, .atLeastOnce] {
                measure(name: name, records: workload.records, batch: batch, delivery: delivery)
            }
            measureFromBytes(name: name, pages: workload.pages(batch: batch), records: workload.records.count)
        }
    }

    static func measure(name: String, records: [StreamRecord], batch: Int, delivery: SnapshotDelivery) {
        var best = Double.infinity
        var counts = CountingDynamoDB()
        for _ in 0..<5 {
            let db = CountingDynamoDB()
            let aggregator = UsageAggregator(
                client: db, settings: UsageAggregationSettings(tableName: "t", delivery: delivery),
                rejectionHandler: nil, logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
            let checkpointer = NullCheckpointer()
            let start = cpuSeconds()
            for first in stride(from: 0, to: records.count, by: batch) {
                let slice = Array(records[first..<min(first + batch, records.count)])
                try! aggregator.process(
                    RecordBatch(
                        streamArn: "a", shardId: "s", lane: 0, laneCount: 1, records: slice,
                        batchEnd: slice.last!.sequenceNumber),
                    checkpointer: checkpointer)
            }
            best = min(best, cpuSeconds() - start)
            counts = db
        }
        let perThousand = Double(counts.requests) * 1000 / Double(records.count)
        print(
            "\(name) \(delivery.rawValue) batch \(batch): \(records.count) records, "
                + "\(counts.requests) write requests (\(String(format: "%.1f", perThousand)) per 1000 records), "
                + "\(counts.itemUpdates) item updates, "
                + "CPU \(String(format: "%.2f", best * 1e6 / Double(records.count))) µs/record")
    }

    /// From raw GetRecords bodies (one page per batch): `GetRecordsDecoder` alone (lazy images, as
    /// the daemon decodes; eager `Item` images for comparison), parsing and exactly-once
    /// aggregation of the decoded pages alone, then decoding plus exactly-once aggregation, as the
    /// daemon spends CPU per fetched page.
    static func measureFromBytes(name: String, pages: [[UInt8]], records: Int) {
        var bestDecode = Double.infinity
        var bestEager = Double.infinity
        var bestDecoded = Double.infinity
        var bestParse = Double.infinity
        var bestAll = Double.infinity
        var decoded = 0
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let decodedPages = pages.map { try! GetRecordsDecoder.decode($0).records }
        func aggregate(_ slice: [StreamRecord], _ aggregator: UsageAggregator, _ checkpointer: Checkpointer) {
            try! aggregator.process(
                RecordBatch(
                    streamArn: "a", shardId: "s", lane: 0, laneCount: 1, records: slice,
                    batchEnd: slice.last!.sequenceNumber),
                checkpointer: checkpointer)
        }
        for _ in 0..<5 {
            decoded = 0
            var start = cpuSeconds()
            for page in pages { decoded += try! GetRecordsDecoder.decode(page).records.count }
            bestDecode = min(bestDecode, cpuSeconds() - start)

            start = cpuSeconds()
            for page in pages { decoded += try! GetRecordsDecoder.decode(page, images: .eager).records.count }
            bestEager = min(bestEager, cpuSeconds() - start)

            let parser = BucketRecordParser()
            var deltas = 0
            start = cpuSeconds()
            for slice in decodedPages {
                for record in slice {
                    if case .parsed(let found, _) = parser.parse(record) { deltas += found.count }
                }
            }
            bestParse = min(bestParse, cpuSeconds() - start)
            precondition(deltas > 0)

            var aggregator = UsageAggregator(
                client: CountingDynamoDB(), settings: UsageAggregationSettings(tableName: "t"),
                rejectionHandler: nil, logger: logger)
            start = cpuSeconds()
            for slice in decodedPages { aggregate(slice, aggregator, NullCheckpointer()) }
            bestDecoded = min(bestDecoded, cpuSeconds() - start)

            aggregator = UsageAggregator(
                client: CountingDynamoDB(), settings: UsageAggregationSettings(tableName: "t"),
                rejectionHandler: nil, logger: logger)
            let checkpointer = NullCheckpointer()
            start = cpuSeconds()
            for page in pages { aggregate(try! GetRecordsDecoder.decode(page).records, aggregator, checkpointer) }
            bestAll = min(bestAll, cpuSeconds() - start)
        }
        precondition(decoded == 2 * records)
        let bytes = pages.reduce(0) { $0 + $1.count }
        func us(_ seconds: Double) -> String { String(format: "%.2f", seconds * 1e6 / Double(records)) }
        print(
            "\(name) from GetRecords bytes (\(pages.count) pages, \(bytes / records) B/record): "
                + "decode only CPU \(us(bestDecode)) µs/record (eager images \(us(bestEager))), "
                + "of decoded pages: parse only CPU \(us(bestParse)) µs/record, "
                + "exactly-once CPU \(us(bestDecoded)) µs/record, "
                + "decode + exactly-once CPU \(us(bestAll)) µs/record")
    }

    /// `BucketRecordParser` alone, to split the per-record cost.
    static func measureParse(name: String, records: [StreamRecord]) {
        let parser = BucketRecordParser()
        var best = Double.infinity
        var deltas = 0
        for _ in 0..<5 {
            deltas = 0
            let start = cpuSeconds()
            for record in records {
                if case .parsed(let found, _) = parser.parse(record) { deltas += found.count }
            }
            best = min(best, cpuSeconds() - start)
        }
        print(
            "\(name) parse only: \(records.count) records, \(deltas) deltas, "
                + "CPU \(String(format: "%.2f", best * 1e6 / Double(records.count))) µs/record")
    }

    static func cpuSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

/// Answers every write at once and counts it.
final class CountingDynamoDB: DynamoDBAPI {
    var requests = 0
    var itemUpdates = 0
    func updateItem(_ input: UpdateItemInput) throws -> WriteOutput {
        requests += 1
        itemUpdates += 1
        return WriteOutput()
    }
    func transactWriteItems(_ input: TransactWriteItemsInput) throws -> TransactWriteItemsOutput {
        requests += 1
        itemUpdates += input.items.count - 1
        return TransactWriteItemsOutput()
    }
    func describeTable(_ tableName: String) throws -> TableDescription { fatalError() }
    func createTable(_ input: CreateTableInput) throws -> TableDescription { fatalError() }
    func getItem(_ input: GetItemInput) throws -> Item? { nil }
    func putItem(_ input: PutItemInput) throws -> WriteOutput { WriteOutput() }
    func deleteItem(_ input: DeleteItemInput) throws -> WriteOutput { WriteOutput() }
    func query(_ input: QueryInput) throws -> PageOutput { PageOutput(items: []) }
    func scan(_ input: ScanInput) throws -> PageOutput { PageOutput(items: []) }
}

final class NullCheckpointer: Checkpointer {
    var lastCheckpoint: SequenceNumber?
    func fencedCheckpoint(to sequenceNumber: SequenceNumber) -> TransactWriteItem {
        .update(UpdateItemInput(tableName: "leases", key: [:], updateExpression: "SET c = :c"))
    }
    func committed(to sequenceNumber: SequenceNumber) { lastCheckpoint = sequenceNumber }
    func checkpoint(to sequenceNumber: SequenceNumber) throws { lastCheckpoint = sequenceNumber }
}
