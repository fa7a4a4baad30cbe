import Observability
import StreamConsumer
import ZaeLimiter

/// The status socket's totals, read from the same metric families the Prometheus page shows,
/// so `zael-aggregator status` and a scrape never disagree.
struct MetricTotals: Equatable {
    var recordsProcessed: Int64 = 0
    var batches: Int64 = 0
    var snapshotWrites: Int64 = 0
    /// Every series of `zael_errors_total`, over all classes.
    var errors: Int64 = 0
    /// Batch retries by the engine plus AWS call retries by the clients.
    var retries: Int64 = 0

    init(_ families: [MetricFamilySnapshot]) {
        for family in families {
            let total = family.series.reduce(Int64(0)) { sum, series in
                guard case .counter(let integer, _) = series.value else { return sum }
                return sum + integer
            }
            switch family.name {
            case ConsumerMetricNames.recordsProcessed: recordsProcessed = total
            case ConsumerMetricNames.batches: batches = total
            case AggregatorMetricNames.snapshotWrites: snapshotWrites = total
            case ConsumerMetricNames.errors: errors = total
            case ConsumerMetricNames.retries: retries = total
            default: break
            }
        }
    }
}
