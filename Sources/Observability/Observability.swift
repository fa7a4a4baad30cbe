/// Metrics (a swift-metrics backend with a Prometheus page, CloudWatch EMF lines) and the
/// status socket with its renderers.
///
/// Entry points: ``PrometheusMetricsFactory``, ``MetricsHTTPServer``, ``EMFWriter``,
/// ``EMFMetricSources``, ``StatusServer``, ``StatusClient``, ``StatusRenderer``, ``ClusterStatus``.
enum Observability {}
