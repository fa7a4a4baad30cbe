import AWSCore
import AWSDynamoDB
import Foundation
import Logging
import StreamConsumer

/// The stream consumer engine's own costs, against a real stream endpoint (the stream proxy in
/// front of moto; scripts/bench-engine starts them and drives the writes):
///
/// - `engine lag --endpoint URL --table T --records N [--shards K] [--window-ms W]
///   [--idle-poll-ms P] [--batch B] [--timeout S]`: a `ShardScheduler` with a processor that
///   notes when it saw each record; the writer embeds its own send time (`t`, ns since the
///   epoch) in every item. Prints `READY` once K shards are being consumed, then the lag
///   percentiles once N records were seen.
/// - `engine cpu --endpoint URL --table T --records N [--rounds R] [--batch B]`: the stream
///   already holds N records; per round, a plain GetRecords-and-decode loop over every shard
///   (the baseline) and the engine with a no-op processor from TRIM_HORIZON, CPU time of this
///   process (getrusage) per record for each.
/// - `engine idle --seconds S`: a process that links the same libraries, builds a streams
///   client and sleeps: the RSS and CPU baseline for the idle daemon.
enum EngineBenchmark {
    static func run(arguments: [String]) throws {
        guard let mode = arguments.first else {
            print("usage: Benchmarks engine lag|cpu|idle [options]")
            exit(2)
        }
        let options = Options(Array(arguments.dropFirst()))
        switch mode {
        case "lag": try lag(options)
        case "cpu": try cpu(options)
        case "idle": idle(options)
        default:
            print("unknown engine mode \(mode)")
            exit(2)
        }
    }

    /// `--name value` pairs.
    struct Options {
        private var values: [String: String] = [:]

        init(_ arguments: [String]) {
            var index = 0
            while index + 1 < arguments.count {
                values[arguments[index]] = arguments[index + 1]
                index += 2
            }
        }

        func string(_ name: String) -> String? { values[name] }
        func int(_ name: String, default value: Int) -> Int { values[name].flatMap(Int.init) ?? value }
        func double(_ name: String, default value: Double) -> Double { values[name].flatMap(Double.init) ?? value }

        func required(_ name: String) -> String {
            guard let value = values[name] else {
                print("missing \(name)")
                exit(2)
            }
            return value
        }
    }

    static let credentials = StaticCredentialProvider(
        Credentials(accessKeyID: "testing", secretAccessKey: "testing", source: "benchmark"))

    static func dynamoDB(_ endpoint: String) -> DynamoDBClient {
        DynamoDBClient(
            endpoint: endpoint, region: "us-east-1", transport: CurlTransport(), credentials: credentials,
            retrier: Retrier(policy: RetryPolicy(maxAttempts: 3), abortFlag: nil))
    }

    static func streams(_ endpoint: String) -> DynamoDBStreamsClient {
        DynamoDBStreamsClient(
            endpoint: endpoint, region: "us-east-1", transport: CurlTransport(), credentials: credentials,
            retrier: Retrier(policy: RetryPolicy(maxAttempts: 3), abortFlag: nil))
    }

    static func streamArn(endpoint: String, table: String) throws -> String {
        guard let arn = try dynamoDB(endpoint).describeTable(table).latestStreamArn else {
            throw AWSError(
                kind: .fatal, code: "NoStream", message: "table \(table) has no stream", operation: "DescribeTable")
        }
        return arn
    }

    /// A scheduler with real clients, a fresh lease table and `tunables`, reading from TRIM_HORIZON.
    static func scheduler(
        endpoint: String, arn: String, factory: RecordProcessorFactory, tunables: ConsumerTunables
    ) -> ShardScheduler {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let leaseTable = "bench-leases-\(UUID().uuidString.prefix(8))"
        let configuration = ConsumerConfiguration(
            streamArn: arn, workerId: "bench-\(getpid())", startingPosition: .trimHorizon, tunables: tunables)
        return ShardScheduler(
            configuration: configuration, processorFactory: factory, makeStreamsClient: { streams(endpoint) },
            makeLeaseStore: { LeaseTable(client: dynamoDB(endpoint), tableName: leaseTable, createIfMissing: true) },
            failureDestination: DiscardingDestination(), logger: logger)
    }

    /// User plus system CPU time of this process, in seconds.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// Polls `condition` every 20 ms until it holds or `timeout` seconds passed.
    static func wait(timeout: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    private static func idle(_ options: Options) {
        let seconds = options.double("--seconds", default: 60)
        let client = streams("http://127.0.0.1:9")  // never called: only built, as the daemon does
        print("READY \(getpid())")
        fflush(nil)
        Thread.sleep(forTimeInterval: seconds)
        withExtendedLifetime(client) {}
    }
}

/// Failure destination of the benchmarks: nothing is expected to fail; counts what would be spooled.
final class DiscardingDestination: FailureDestination, @unchecked Sendable {
    // `count` is guarded by `lock`.
    private let lock = NSLock()
    private var count = 0

    func send(_ failure: FailedRecords) throws { lock.withLock { count += failure.records.count } }
    var sentRecordCount: Int { lock.withLock { count } }
}
