/// The Prometheus type of a metric family.
public enum MetricType: String, Sendable, Equatable {
    case counter, gauge, histogram
}

/// One label of a series: a sanitized Prometheus label name and its raw value.
public struct MetricLabel: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The cumulative counts of a histogram at one moment.
public struct HistogramSnapshot: Sendable, Equatable {
    /// Upper bounds (ascending, finite) with the cumulative count of observations ≤ each bound;
    /// the `+Inf` bucket is `count`.
    public var buckets: [(upperBound: Double, cumulativeCount: UInt64)]
    public var sum: Double
    public var count: UInt64

    public static func == (lhs: HistogramSnapshot, rhs: HistogramSnapshot) -> Bool {
        lhs.sum == rhs.sum && lhs.count == rhs.count
            && lhs.buckets.map(\.upperBound) == rhs.buckets.map(\.upperBound)
            && lhs.buckets.map(\.cumulativeCount) == rhs.buckets.map(\.cumulativeCount)
    }
}

/// The value of one series at one moment.
public enum MetricValue: Sendable, Equatable {
    /// A counter: the integer part (exact) plus any floating-point increments.
    case counter(integer: Int64, fraction: Double)
    case gauge(Double)
    case histogram(HistogramSnapshot)

    /// The value as a double (a histogram's is its sum).
    public var doubleValue: Double {
        switch self {
        case .counter(let integer, let fraction): return Double(integer) + fraction
        case .gauge(let value): return value
        case .histogram(let histogram): return histogram.sum
        }
    }
}

/// One labelled series of a family.
public struct MetricSeriesSnapshot: Sendable, Equatable {
    /// Labels sorted by name.
    public var labels: [MetricLabel]
    public var value: MetricValue

    /// The value of the label `name`, if the series has it.
    public func label(_ name: String) -> String? { labels.first { $0.name == name }?.value }
}

/// A metric family (all series of one name) at one moment.
public struct MetricFamilySnapshot: Sendable, Equatable {
    /// The exposed name; counters always end in `_total`.
    public var name: String
    public var type: MetricType
    public var help: String?
    /// Series sorted by their labels.
    public var series: [MetricSeriesSnapshot]
}
