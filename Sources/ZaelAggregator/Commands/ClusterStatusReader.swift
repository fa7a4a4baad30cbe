import AWSCore
import AWSDynamoDB
import Foundation
import Logging
import Observability
import StreamConsumer

/// Reads the lease table (and, when the table is known, the stream's shard list) for
/// `zael-aggregator status --cluster`.
///
/// Settings come from the instance's configuration when there is one, then from the flags
/// (`--lease-table`, `--table`, `--endpoint`, `--region`), which win.
struct ClusterStatusReader {
    var leaseTable: String
    /// The zae-limiter table, when known: its stream's shards show which ones have no lease yet.
    var table: String?
    var streamArn: String?
    var configuration: AggregatorConfiguration

    /// Resolves the settings; throws `ConfigurationError` for an unreadable configuration or when no
    /// lease table can be named.
    init(
        configPath: String?, leaseTable: String?, table: String?, endpoint: String?, region: String?,
        environment: [String: String]
    ) throws(ConfigurationError) {
        var configuration: AggregatorConfiguration
        var configuredLeaseTable: String?
        if let configPath {
            let context = ConfigurationContext.current(configPath: configPath, environment: environment)
            configuration = try ConfigurationLoader(environment: environment).load(path: configPath, context: context)
                .configuration
            configuredLeaseTable = configuration.leases.table
            self.table = table ?? configuration.table.name
            streamArn = table == nil ? configuration.table.streamARN : nil
        } else {
            let context = ConfigurationContext.current(configPath: "status.toml", environment: environment)
            configuration = AggregatorConfiguration(tableName: table ?? "status", context: context)
            configuredLeaseTable = table.map {
                AggregatorConfiguration(tableName: $0, context: context).leases.table
            }
            self.table = table
            streamArn = nil
        }
        guard let name = leaseTable ?? configuredLeaseTable else {
            throw ConfigurationError(problems: [
                ConfigurationProblem(
                    key: "leases.table", origin: nil,
                    description: "status --cluster needs the lease table: give NAME, --config, --table or --lease-table"
                )
            ])
        }
        if let endpoint {
            configuration.aws.endpoint = endpoint
            configuration.aws.streamsEndpoint = nil
        }
        if let region { configuration.aws.region = region }
        self.leaseTable = name
        self.configuration = configuration
    }

    /// Scans the lease table (leases and heartbeats; lane items are skipped) and lists the stream's shards. A stream
    /// that cannot be described only leaves `shardsWithoutLease` empty (with a warning on stderr):
    /// the lease table is what this view is about.
    func read() throws -> ClusterStatus {
        var logger = Logger(label: "zael.status")
        logger.logLevel = .critical
        let aws = try AWSEnvironment(
            configuration: configuration, environment: ProcessInfo.processInfo.environment, logger: logger)
        let listing = try LeaseTable(client: aws.makeDynamoDB(), tableName: leaseTable, createIfMissing: false)
            .scanLeases()
        let rows = listing.leases.map {
            LeaseRow(
                leaseKey: $0.shardId, leaseOwner: $0.owner, leaseCounter: Int64($0.counter),
                checkpoint: $0.checkpoint.wire, parentShardIds: $0.parentShardIds)
        }
        var shardIds: [String] = []
        if let table {
            do {
                shardIds = try listShards(table: table, aws: aws, logger: logger)
            } catch {
                printToStandardError("zael-aggregator status: cannot list the shards of \(table)'s stream: \(error)")
            }
        }
        let heartbeats = Dictionary(
            listing.heartbeats.map { ($0.worker, Int64($0.counter)) }, uniquingKeysWith: { first, _ in first })
        return ClusterStatus(leases: rows, heartbeats: heartbeats, knownShardIds: shardIds)
    }

    private func listShards(table: String, aws: AWSEnvironment, logger: Logger) throws -> [String] {
        let streams = aws.makeStreams()
        let view = try StreamLocator.tableStream(table: table, dynamoDB: aws.makeDynamoDB())
        guard let arn = streamArn ?? view.latestArn else {
            throw DaemonError.misconfigured(view.problem ?? "table \(table) has no stream")
        }
        let graph = try ShardDetector(client: streams, streamArn: arn, logger: logger).listShards()
        return graph.topologicalOrder()
    }
}
