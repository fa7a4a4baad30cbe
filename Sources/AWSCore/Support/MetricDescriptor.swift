/// One metric the daemon exports, declared once by the library that emits it: the name, what
/// kind of series it is, its label keys and the one-line HELP text.
///
/// Each library keeps a catalogue of the metrics it emits (`ConsumerMetricNames.catalogue`, the
/// ZaeLimiter catalogues, the daemon's own); the daemon joins them for the Prometheus page's
/// HELP lines, EMF and the check of docs/operations.md. Label values must stay bounded (shard
/// IDs, error classes, API names), never sequence numbers or request IDs.
public struct MetricDescriptor: Sendable, Hashable {
    /// The kind of series, as the operations guide's metric table names it.
    public enum Kind: String, Sendable, Hashable {
        case counter
        case gauge
        /// A swift-metrics `Timer` or `Recorder`, exported as a Prometheus histogram.
        case histogram
    }

    /// The exported name (`zael_` prefix, base units, counters end in `_total`).
    public let name: String
    public let kind: Kind
    /// The label keys, in the order the guide lists them.
    public let labels: [String]
    /// The HELP text of the Prometheus page.
    public let help: String

    public init(_ name: String, _ kind: Kind, labels: [String] = [], help: String) {
        self.name = name
        self.kind = kind
        self.labels = labels
        self.help = help
    }
}
