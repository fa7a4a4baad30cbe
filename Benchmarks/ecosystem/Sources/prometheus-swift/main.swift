import Foundation
import MetricWorkload
import ProbeSupport
import Prometheus

// swift-prometheus 2 (the reference swift-metrics backend) with the daemon's metric set and the
// daemon's buckets, rendering the exposition page N times.
// Foundation in use as in the daemon (and the baseline): otherwise the static link drops it and
// the size comparison would measure Foundation, not swift-prometheus.
Probe.stat("pid_text", String(format: "%@ %d", "probe", ProcessInfo.processInfo.processIdentifier))
let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 1000 : 1000
let registry = PrometheusCollectorRegistry()
var factory = PrometheusMetricsFactory(registry: registry)
factory.defaultDurationHistogramBuckets = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
].map { Duration.milliseconds($0 * 1000) }
let (handles, series) = MetricWorkload.populate(factory)
var buffer: [UInt8] = []
buffer.reserveCapacity(64 * 1024)
MetricWorkload.measure(count: count, series: series) {
    buffer.removeAll(keepingCapacity: true)
    registry.emit(into: &buffer)
    return buffer.count
}
if CommandLine.arguments.contains("--print") { Probe.emit(registry.emitToString()) }
withExtendedLifetime(handles) { Probe.idleUntilTerminated() }
