import AWSCore
import Observability
import StreamConsumer
import ZaeLimiter

/// Every metric the daemon exports: the catalogues the libraries declare (the engine, the
/// aggregator, the maintenance duties, audit archival) and the daemon's own, joined here once.
/// The Prometheus page takes its HELP lines from it, EMF its sources, and a test holds the
/// metric table of docs/operations.md to it.
enum MetricCatalogue {
    /// Counter: credential refreshes of the daemon's AWS clients (IMDS, profile, environment).
    static let credentialRefreshes = "zael_credential_refreshes_total"

    /// The metrics only the daemon emits (its AWS clients also count `ConsumerMetricNames`'
    /// retries and throttles).
    static let daemon: [MetricDescriptor] = [
        MetricDescriptor(credentialRefreshes, .counter, help: "AWS credential refreshes.")
    ]

    /// All of them, each name once.
    static let all: [MetricDescriptor] =
        ConsumerMetricNames.catalogue + AggregatorMetricNames.catalogue + AuditArchivalMetricNames.catalogue
        + MaintenanceMetricNames.catalogue + daemon

    /// HELP text by name, for the Prometheus page.
    static let help: [String: String] = Dictionary(
        all.map { ($0.name, $0.help) }, uniquingKeysWith: { first, _ in first })

    /// What the EMF lines report: the iterator age per shard and these counters' increases.
    static let emfSources = EMFMetricSources(
        iteratorAge: ConsumerMetricNames.iteratorAge, shardLabel: ConsumerMetricNames.shardLabel,
        counted: [
            .init(prometheus: ConsumerMetricNames.recordsProcessed, emf: "RecordsProcessed"),
            .init(prometheus: ConsumerMetricNames.batches, emf: "Batches"),
            .init(prometheus: AggregatorMetricNames.snapshotWrites, emf: "SnapshotWrites"),
            .init(prometheus: ConsumerMetricNames.errors, emf: "Errors"),
            .init(prometheus: ConsumerMetricNames.throttles, emf: "Throttles"),
            .init(prometheus: ConsumerMetricNames.retries, emf: "Retries"),
            .init(prometheus: ConsumerMetricNames.spooledRecords, emf: "SpooledRecords"),
        ])
}
