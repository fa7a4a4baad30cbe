import Foundation
import MetricWorkload
import OursObservability
import ProbeSupport

// The daemon's own backend and renderer (the repository's Sources/Observability, linked here by
// a symbolic link) with the daemon's metric set, rendering the exposition page N times.
let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 1000 : 1000
let factory = PrometheusMetricsFactory()
let (handles, series) = MetricWorkload.populate(factory)
MetricWorkload.measure(count: count, series: series) {
    PrometheusTextRenderer.render(factory.snapshot()).utf8.count
}
if CommandLine.arguments.contains("--print") { Probe.emit(factory.render()) }
withExtendedLifetime(handles) { Probe.idleUntilTerminated() }
