import CoreMetrics
import Foundation
import Testing

@testable import Observability

@Suite struct PrometheusMetricsFactoryTests {
    private func family(_ factory: PrometheusMetricsFactory, _ name: String) -> MetricFamilySnapshot? {
        factory.snapshot().first { $0.name == name }
    }

    @Test func counters_sumIncrementsPerLabelSet() {
        let factory = PrometheusMetricsFactory(help: ["zael_errors_total": "Errors by class."])
        Counter(label: "zael_errors_total", dimensions: [("class", "throttling")], factory: factory).increment(by: 3)
        Counter(label: "zael_errors_total", dimensions: [("class", "throttling")], factory: factory).increment()
        Counter(label: "zael_errors_total", dimensions: [("class", "fatal")], factory: factory).increment(by: 2)

        let errors = family(factory, "zael_errors_total")
        #expect(errors?.type == .counter)
        #expect(errors?.help == "Errors by class.")
        #expect(family(factory, "zael_batches_total") == nil)
        #expect(errors?.series.map { $0.label("class") } == ["fatal", "throttling"])
        #expect(errors?.series.map(\.value) == [.counter(integer: 2, fraction: 0), .counter(integer: 4, fraction: 0)])
    }

    @Test func counterWithoutTotalSuffix_isExposedWithIt() {
        let factory = PrometheusMetricsFactory()
        Counter(label: "requests.served-ok", factory: factory).increment()
        #expect(family(factory, "requests_served_ok_total")?.series.first?.value == .counter(integer: 1, fraction: 0))
    }

    @Test func counter_ignoresNegativeAndNonFiniteIncrements() {
        let factory = PrometheusMetricsFactory()
        let counter = FloatingPointCounter(label: "zael_consumed_write_capacity_total", factory: factory)
        counter.increment(by: 1.5)
        counter.increment(by: -4)
        counter.increment(by: Double.nan)
        counter.increment(by: Double.infinity)
        #expect(family(factory, "zael_consumed_write_capacity_total")?.series.first?.value.doubleValue == 1.5)
        #expect(factory.render().contains("zael_consumed_write_capacity_total 1.5\n"))
    }

    @Test func gaugesAndMeters_holdTheLastValue() {
        let factory = PrometheusMetricsFactory()
        let age = Gauge(label: "zael_iterator_age_seconds", dimensions: [("shard", "shardId-1")], factory: factory)
        age.record(12.5)
        age.record(3)
        let owned = Meter(label: "zael_leases_owned", factory: factory)
        owned.set(4)
        owned.increment(by: 2)
        owned.decrement(by: 1)

        #expect(family(factory, "zael_iterator_age_seconds")?.type == .gauge)
        #expect(family(factory, "zael_iterator_age_seconds")?.series.first?.value == .gauge(3))
        #expect(family(factory, "zael_leases_owned")?.series.first?.value == .gauge(5))
    }

    @Test func timers_becomeCumulativeHistogramsInSeconds() throws {
        let factory = PrometheusMetricsFactory(timerBuckets: [0.01, 0.1, 1])
        let timer = CoreMetrics.Timer(label: "zael_batch_duration_seconds", factory: factory)
        timer.recordNanoseconds(5_000_000)  // 0.005 s
        timer.recordNanoseconds(10_000_000)  // 0.01 s: on the bound counts in it
        timer.recordNanoseconds(300_000_000)  // 0.3 s
        timer.recordNanoseconds(7_000_000_000)  // 7 s: only +Inf

        guard case .histogram(let histogram) = family(factory, "zael_batch_duration_seconds")?.series.first?.value
        else {
            Issue.record("not a histogram")
            return
        }
        #expect(histogram.buckets.map(\.upperBound) == [0.01, 0.1, 1])
        #expect(histogram.buckets.map(\.cumulativeCount) == [2, 2, 3])
        #expect(histogram.count == 4)
        #expect(abs(histogram.sum - 7.315) < 1e-9)

        let page = factory.render()
        #expect(page.contains("# TYPE zael_batch_duration_seconds histogram\n"))
        #expect(page.contains("zael_batch_duration_seconds_bucket{le=\"0.01\"} 2\n"))
        #expect(page.contains("zael_batch_duration_seconds_bucket{le=\"1\"} 3\n"))
        #expect(page.contains("zael_batch_duration_seconds_bucket{le=\"+Inf\"} 4\n"))
        #expect(page.contains("zael_batch_duration_seconds_count 4\n"))
    }

    @Test func aggregatingRecorders_becomeHistograms() {
        let factory = PrometheusMetricsFactory(recorderBuckets: [10, 1, 100, .infinity, 10])
        let recorder = Recorder(label: "zael_batch_records", factory: factory)
        recorder.record(5)
        recorder.record(50)
        #expect(family(factory, "zael_batch_records")?.type == .histogram)
        guard case .histogram(let histogram) = family(factory, "zael_batch_records")?.series.first?.value else {
            Issue.record("not a histogram")
            return
        }
        // Bounds are sorted, de-duplicated and finite (the +Inf bucket is implicit).
        #expect(histogram.buckets.map(\.upperBound) == [1, 10, 100])
        #expect(histogram.buckets.map(\.cumulativeCount) == [0, 1, 2])
    }

    @Test func sameLabelAndDimensions_shareOneSeries_destroyRemovesIt() {
        let factory = PrometheusMetricsFactory()
        let first = factory.makeCounter(label: "zael_batches_total", dimensions: [("shard", "a")])
        let second = factory.makeCounter(label: "zael_batches_total", dimensions: [("shard", "a")])
        #expect(first === second)
        let other = factory.makeCounter(label: "zael_batches_total", dimensions: [("shard", "b")])
        factory.destroyCounter(first)
        #expect(family(factory, "zael_batches_total")?.series.map { $0.label("shard") } == ["b"])
        factory.destroyCounter(other)
        #expect(family(factory, "zael_batches_total") == nil)
    }

    @Test func nameUsedByAnotherType_isExportedWithTypeSuffix() {
        let factory = PrometheusMetricsFactory()
        Gauge(label: "zael_mixed", factory: factory).record(1)
        Meter(label: "zael_mixed", factory: factory).set(2)  // same type: same series
        CoreMetrics.Timer(label: "zael_mixed", factory: factory).recordNanoseconds(1)
        let names = factory.snapshot().map(\.name)
        #expect(names.contains("zael_mixed"))
        #expect(names.contains("zael_mixed_histogram"))
        #expect(family(factory, "zael_mixed")?.series.first?.value == .gauge(2))
    }

    @Test func labelNamesAreSanitized_valuesEscaped() {
        let factory = PrometheusMetricsFactory()
        Counter(
            label: "zael_x_total", dimensions: [("shard.id", "a\"b\\c\nd"), ("9lives", "v"), ("__name", "n")],
            factory: factory
        )
        .increment()
        let page = factory.render()
        #expect(page.contains(#"zael_x_total{_9lives="v",shard_id="a\"b\\c\nd",x__name="n"} 1"#))
        CoreMetrics.Timer(label: "zael_t_seconds", dimensions: [("le", "x")], factory: factory).recordNanoseconds(1)
        #expect(factory.render().contains(#"zael_t_seconds_bucket{le_="x",le="0.001"} 1"#))
    }

    @Test func helpTextIsEscaped() {
        let factory = PrometheusMetricsFactory(help: ["zael_h": "line one\nback\\slash"])
        Gauge(label: "zael_h", factory: factory).record(1)
        #expect(factory.render().hasPrefix("# HELP zael_h line one\\nback\\\\slash\n# TYPE zael_h gauge\nzael_h 1\n"))
    }

    @Test func valuesFormatAsPrometheusFloats() {
        #expect(PrometheusTextRenderer.format(3) == "3")
        #expect(PrometheusTextRenderer.format(-2) == "-2")
        #expect(PrometheusTextRenderer.format(0.005) == "0.005")
        #expect(PrometheusTextRenderer.format(.infinity) == "+Inf")
        #expect(PrometheusTextRenderer.format(-.infinity) == "-Inf")
        #expect(PrometheusTextRenderer.format(.nan) == "NaN")
        #expect(Double(PrometheusTextRenderer.format(1e20)) == 1e20)
    }

    @Test func concurrentUpdates_loseNothing() {
        let factory = PrometheusMetricsFactory()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            let counter = Counter(label: "zael_records_processed_total", factory: factory)
            let timer = CoreMetrics.Timer(
                label: "zael_getrecords_latency_seconds", dimensions: [("shard", "s\(worker % 2)")], factory: factory)
            for _ in 0..<5000 {
                counter.increment()
                timer.recordNanoseconds(1_000_000)
            }
            _ = factory.render()
        }
        #expect(
            family(factory, "zael_records_processed_total")?.series.first?.value
                == .counter(integer: 40000, fraction: 0))
        let counts = family(factory, "zael_getrecords_latency_seconds")?.series.compactMap { series -> UInt64? in
            if case .histogram(let histogram) = series.value { return histogram.count }
            return nil
        }
        #expect(counts == [20000, 20000])
    }
}
