/// Which metrics of the ``PrometheusMetricsFactory`` the ``EMFWriter`` reports, and under which
/// CloudWatch names. The Prometheus names come from whoever registers the metrics (the daemon's
/// metric catalogue); Observability spells none of them.
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

    public init(iteratorAge: String, shardLabel: String, counted: [Counted]) {
        self.iteratorAge = iteratorAge
        self.shardLabel = shardLabel
        self.counted = counted
    }
}
