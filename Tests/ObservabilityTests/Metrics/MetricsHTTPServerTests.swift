import CoreMetrics
import Foundation
import Logging
import TestPeers
import Testing

@testable import Observability

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct MetricsHTTPServerTests {
    private let logger = Logger(label: "test.metrics-http")

    private func get(_ port: Int, _ path: String) throws -> (status: String, headers: [String: String], body: String) {
        try RawSocket.parseHTTP(
            RawSocket.exchangeTCP(port: port, Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)))
    }

    /// Families as prometheus-client parses them, keyed by family name.
    private func parse(_ page: String) throws -> [String: [String: Any]] {
        let output = try Peers.runPython([Peers.script("parse_prometheus.py").path], stdin: Data(page.utf8))
        let families = try #require(try JSONSerialization.jsonObject(with: output) as? [[String: Any]])
        return Dictionary(families.map { ($0["name"] as! String, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private func samples(_ family: [String: Any]?) -> [(name: String, labels: [String: String], value: Double)] {
        let raw = family?["samples"] as? [[String: Any]] ?? []
        return raw.map { sample in
            let value: Double
            switch sample["value"] {
            case let number as NSNumber: value = number.doubleValue
            case let text as String: value = text == "+Inf" ? .infinity : text == "-Inf" ? -.infinity : .nan
            default: value = .nan
            }
            return (sample["name"] as? String ?? "", sample["labels"] as? [String: String] ?? [:], value)
        }
    }

    @Test func servesThePage_thatPrometheusClientParses() throws {
        #expect(Peers.available, "python venv with prometheus-client missing: set ZAEL_VENV")
        let factory = PrometheusMetricsFactory(
            timerBuckets: [0.05, 0.5], help: ["zael_records_processed_total": "Stream records \"processed\"\\ here."])
        Counter(label: "zael_records_processed_total", factory: factory).increment(by: 1234)
        Counter(
            label: "zael_errors_total", dimensions: [("class", "throttling")], factory: factory
        ).increment(by: 2)
        Counter(
            label: "zael_throttles_total", dimensions: [("api", "Get\"Records\"\\\n")],
            factory: factory
        ).increment()
        FloatingPointCounter(label: "zael_consumed_write_capacity_total", factory: factory).increment(by: 2.5)
        Gauge(
            label: "zael_iterator_age_seconds", dimensions: [("shard", "shardId-0001")], factory: factory
        ).record(1.25)
        Meter(label: "zael_leases_owned", factory: factory).set(3)
        let timer = CoreMetrics.Timer(label: "zael_batch_duration_seconds", factory: factory)
        timer.recordNanoseconds(20_000_000)
        timer.recordNanoseconds(100_000_000)
        timer.recordNanoseconds(2_000_000_000)

        let server = try MetricsHTTPServer(listen: "127.0.0.1:0", logger: logger) { factory.render() }
        server.start()
        defer { server.stop() }
        let response = try get(server.port, "/metrics")
        #expect(response.status == "HTTP/1.1 200 OK")
        #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(response.headers["content-length"] == String(response.body.utf8.count))

        let families = try parse(response.body)
        // prometheus-client names a counter family without its `_total` suffix.
        #expect(families["zael_records_processed"]?["type"] as? String == "counter")
        #expect(samples(families["zael_records_processed"]).map(\.value) == [1234])
        #expect(samples(families["zael_records_processed"]).map(\.name) == ["zael_records_processed_total"])
        #expect(
            families["zael_records_processed"]?["help"] as? String == "Stream records \"processed\"\\ here.")
        #expect(samples(families["zael_errors"]).map(\.labels) == [["class": "throttling"]])
        #expect(samples(families["zael_throttles"]).map(\.labels) == [["api": "Get\"Records\"\\\n"]])
        #expect(samples(families["zael_consumed_write_capacity"]).map(\.value) == [2.5])
        #expect(families["zael_iterator_age_seconds"]?["type"] as? String == "gauge")
        #expect(samples(families["zael_iterator_age_seconds"]).map(\.value) == [1.25])
        #expect(samples(families["zael_iterator_age_seconds"]).map(\.labels) == [["shard": "shardId-0001"]])
        #expect(samples(families["zael_leases_owned"]).map(\.value) == [3])

        let histogram = samples(families["zael_batch_duration_seconds"])
        #expect(families["zael_batch_duration_seconds"]?["type"] as? String == "histogram")
        #expect(
            histogram.map(\.name) == [
                "zael_batch_duration_seconds_bucket", "zael_batch_duration_seconds_bucket",
                "zael_batch_duration_seconds_bucket",
                "zael_batch_duration_seconds_sum", "zael_batch_duration_seconds_count",
            ])
        #expect(histogram.prefix(3).map { $0.labels["le"] } == ["0.05", "0.5", "+Inf"])
        #expect(histogram.prefix(3).map(\.value) == [1, 2, 3])
        #expect(abs(histogram[3].value - 2.12) < 1e-9)
        #expect(histogram[4].value == 3)
    }

    @Test func pageReflectsUpdatesBetweenScrapes() throws {
        let factory = PrometheusMetricsFactory()
        let counter = Counter(label: "zael_batches_total", factory: factory)
        let server = try MetricsHTTPServer(listen: "127.0.0.1:0", logger: logger) { factory.render() }
        server.start()
        defer { server.stop() }
        counter.increment()
        #expect(try get(server.port, "/metrics").body.contains("zael_batches_total 1\n"))
        counter.increment(by: 41)
        #expect(try get(server.port, "/metrics?x=1").body.contains("zael_batches_total 42\n"))
    }

    @Test func otherPathsMethodsAndJunk_getErrors_andTheServerKeepsServing() throws {
        let server = try MetricsHTTPServer(listen: "127.0.0.1:0", logger: logger) { "zael_up 1\n" }
        server.start()
        defer { server.stop() }
        #expect(try get(server.port, "/").status == "HTTP/1.1 404 Not Found")
        #expect(try get(server.port, "/metricsx").status == "HTTP/1.1 404 Not Found")
        let post = try RawSocket.parseHTTP(
            RawSocket.exchangeTCP(port: server.port, Array("POST /metrics HTTP/1.1\r\n\r\n".utf8)))
        #expect(post.status == "HTTP/1.1 405 Method Not Allowed")
        #expect(post.headers["allow"] == "GET")

        let junk: [[UInt8]] = [
            Array("garbage\r\n\r\n".utf8),
            Array("GET /metrics\r\n\r\n".utf8),
            [0, 255, 13, 10, 13, 10],
            (0..<2000).map { UInt8(truncatingIfNeeded: $0 &* 37) },
        ]
        for request in junk {
            let reply = try RawSocket.exchangeTCP(port: server.port, request, shutdownWrite: true)
            let status = String(decoding: reply.prefix(24), as: UTF8.self)
            #expect(status.hasPrefix("HTTP/1.1 400"), "reply to \(request.prefix(16)): \(status)")
        }
        // Connect and say nothing at all.
        #expect(
            try RawSocket.exchangeTCP(port: server.port, [], shutdownWrite: true).starts(
                with: Array("HTTP/1.1 400".utf8)))

        let huge =
            Array("GET /metrics HTTP/1.1\r\nX-Pad: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 64 * 1024)
        let tooLarge = try RawSocket.exchangeTCP(port: server.port, huge)
        #expect(String(decoding: tooLarge.prefix(40), as: UTF8.self).hasPrefix("HTTP/1.1 431"))

        let after = try get(server.port, "/metrics")
        #expect(after.status == "HTTP/1.1 200 OK")
        #expect(after.body == "zael_up 1\n")
    }

    @Test func badListenAddresses_throw() {
        for listen in ["localhost:9464", "127.0.0.1", "127.0.0.1:99999", ":80", "10.0.0.1.5:1"] {
            #expect(throws: ObservabilityError.self, "\(listen)") {
                _ = try MetricsHTTPServer(listen: listen, logger: logger) { "" }
            }
        }
    }

    @Test func portInUse_throws_andStopReleasesIt() throws {
        let first = try MetricsHTTPServer(listen: "127.0.0.1:0", logger: logger) { "" }
        first.start()
        #expect(throws: ObservabilityError.self) {
            _ = try MetricsHTTPServer(listen: "127.0.0.1:\(first.port)", logger: logger) { "" }
        }
        first.stop()
        first.stop()  // idempotent
        let second = try MetricsHTTPServer(listen: "127.0.0.1:\(first.port)", logger: logger) { "again\n" }
        second.start()
        defer { second.stop() }
        #expect(try get(second.port, "/metrics").body == "again\n")
    }

    @Test func clientThatTricklesBytes_holdsTheServerNoLongerThanTheDeadline() throws {
        let server = try MetricsHTTPServer(listen: "127.0.0.1:0", logger: logger) { "zael_up 1\n" }
        server.start()
        defer { server.stop() }
        let port = server.port
        // One byte every 1.5 s stays under the 2 s receive timeout, so only the 5 s request
        // deadline ends this connection; without it the server would wait ≥ 11 s.
        let trickler = Thread {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            for byte in Array("GET /metr".utf8).prefix(6) {
                var value = byte
                _ = send(fd, &value, 1, Int32(MSG_NOSIGNAL))
                usleep(1_500_000)
            }
            close(fd)
        }
        trickler.start()
        usleep(200_000)
        let started = ContinuousClock.now
        let response = try get(port, "/metrics")
        let waited = ContinuousClock.now - started
        #expect(response.status == "HTTP/1.1 200 OK")
        #expect(waited < .seconds(8), "waited \(waited)")
    }
}
