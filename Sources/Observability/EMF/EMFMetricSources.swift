/// Which metrics of the ``PrometheusMetricsFactory`` the ``EMFWriter`` reports, and under which
/// CloudWatch names. The defaults are the ``MetricNames``; pass others if a component registers
/// its metrics under different names.
public struct EMFMetricSources: Sendable, Equatable {
    /// A counter reported as its increase since the previous flush.
    public struct Counted: Sendable, Equatable {
        /// The exposed Prometheus name (counters end in `_total`).
        public var prometheus: String
        /// The CloudWatch metric name (unit `Count`).
        public var emf: String

        public init(prometheus: String, emf: String) {
            self.prometheus = prometheus
            self.emf = emf
        }
    }

    /// The per-shard iterator-age gauge, in seconds.
    public var iteratorAge: String
    /// Its shard label.
    public var shardLabel: String
    /// Counters summed over all their series.
    public var counted: [Counted]

    public init(
        iteratorAge: String = MetricNames.iteratorAge,
        shardLabel: String = MetricNames.LabelKey.shard,
        counted: [Counted] = EMFMetricSources.defaultCounted
    ) {
        self.iteratorAge = iteratorAge
        self.shardLabel = shardLabel
        self.counted = counted
    }

    public static let defaultCounted: [Counted] = [
        Counted(prometheus: MetricNames.recordsProcessed, emf: "RecordsProcessed"),
        Counted(prometheus: MetricNames.batches, emf: "Batches"),
        Counted(prometheus: MetricNames.snapshotWrites, emf: "SnapshotWrites"),
        Counted(prometheus: MetricNames.errors, emf: "Errors"),
        Counted(prometheus: MetricNames.throttles, emf: "Throttles"),
        Counted(prometheus: MetricNames.retries, emf: "Retries"),
        Counted(prometheus: MetricNames.spooledRecords, emf: "SpooledRecords"),
    ]
}
