import Foundation
import Logging
import Testing

@testable import Observability

#if canImport(Glibc)
    import Glibc
#endif

/// The metrics and status servers under slow and concurrent clients, over real sockets on
/// loopback: stalled clients neither starve other scrapes nor outlive their deadline.
@Suite struct SocketServerConcurrencyTests {
    private let logger = Logger(label: "test.socket-concurrency")
    private static let request = Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)

    /// Polls until `condition` holds or `timeout` passes; returns how long it took, or nil.
    private func waitUntil(_ timeout: Duration, _ condition: () -> Bool) -> Duration? {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < timeout {
            if condition() { return ContinuousClock.now - started }
            usleep(20_000)
        }
        return nil
    }

    @Test func stalledClients_doNotStarveAScrape_andAreDroppedAtTheDeadline() throws {
        // The first page is 8 MiB (for the client that never reads), later ones are small.
        let calls = LockedCounter()
        let big = String(repeating: "zael_pad 1\n", count: (8 << 20) / 11)
        let server = try MetricsHTTPServer(listen: "127.0.0.1:0", connectionTimeout: .seconds(2), logger: logger) {
            calls.next() == 1 ? big : "zael_up 1\n"
        }
        server.start()
        defer { server.stop() }

        let started = ContinuousClock.now
        let nonReader = try RawSocket.connectTCP(port: server.port, receiveBuffer: 4096)
        defer { close(nonReader) }
        RawSocket.sendBytes(nonReader, Self.request)
        usleep(300_000)  // its page is the first one rendered
        let silent = try RawSocket.connectTCP(port: server.port)
        defer { close(silent) }
        let half = try RawSocket.connectTCP(port: server.port)
        defer { close(half) }
        RawSocket.sendBytes(half, Array("GET /metrics HTTP/1.1\r\nHost: 127".utf8))
        usleep(200_000)
        #expect(server.listener.activeConnections == 3, "all three stalled clients hold a connection")

        // A normal scrape meanwhile answers at once.
        let scrapeStart = ContinuousClock.now
        let response = try RawSocket.parseHTTP(RawSocket.exchangeTCP(port: server.port, Self.request))
        let scrapeTime = ContinuousClock.now - scrapeStart
        #expect(response.status == "HTTP/1.1 200 OK")
        #expect(response.body == "zael_up 1\n")
        #expect(scrapeTime < .seconds(1), "scrape took \(scrapeTime)")

        // The silent and the half-sent client are closed at their deadline (2 s after connecting),
        // not before, and without a reply.
        for (name, fd) in [("silent", silent), ("half", half)] {
            let closedAfter = waitUntil(.seconds(5)) { RawSocket.peerClosed(fd) == true }.map { _ in
                ContinuousClock.now - started
            }
            #expect(closedAfter != nil, "\(name) client still open 5 s later")
            if let closedAfter {
                #expect(closedAfter > .milliseconds(1700), "\(name) closed after \(closedAfter)")
                #expect(closedAfter < .milliseconds(4500), "\(name) closed after \(closedAfter)")
            }
            #expect(RawSocket.readAll(fd, timeout: .seconds(1)).count == 0, "\(name) got a reply")
        }
        // The client that never reads is dropped too: no connection is left, and what it can
        // still read is a cut-off reply.
        #expect(waitUntil(.seconds(4)) { server.listener.activeConnections == 0 } != nil)
        #expect(ContinuousClock.now - started > .milliseconds(1700))
        let leftover = RawSocket.readAll(nonReader, timeout: .seconds(5))
        #expect(leftover.ended)
        #expect(leftover.count < big.utf8.count, "read \(leftover.count) of \(big.utf8.count) bytes")

        #expect(try RawSocket.parseHTTP(RawSocket.exchangeTCP(port: server.port, Self.request)).body == "zael_up 1\n")
    }

    @Test func fiftyConcurrentScrapes_allAnswer() throws {
        let page = String(repeating: "zael_line 1\n", count: 20_000)
        let inFlight = LockedGauge()
        let server = try MetricsHTTPServer(listen: "127.0.0.1:0", logger: logger) {
            inFlight.enter()
            defer { inFlight.leave() }
            usleep(20_000)  // a page that takes a while, so the scrapes overlap
            return page
        }
        server.start()
        defer { server.stop() }
        let results = LockedResults()
        let gate = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        let port = server.port
        for _ in 0..<50 {
            done.enter()
            let thread = Thread {
                gate.wait()
                let outcome = Result { try RawSocket.parseHTTP(RawSocket.exchangeTCP(port: port, Self.request)) }
                results.append(outcome.map { $0.status == "HTTP/1.1 200 OK" && $0.body == page })
                done.leave()
            }
            thread.start()
        }
        let started = ContinuousClock.now
        for _ in 0..<50 { gate.signal() }
        #expect(done.wait(timeout: .now() + 30) == .success)
        let elapsed = ContinuousClock.now - started
        let all = results.all
        #expect(all.count == 50)
        let good = all.filter { (try? $0.get()) == true }.count
        #expect(good == 50, "\(good) of 50 scrapes answered in full: \(all.filter { (try? $0.get()) != true })")
        // Pages were rendered side by side, never more than the 16 connections served at once.
        #expect(inFlight.peak > 1, "pages rendered one at a time")
        #expect(inFlight.peak <= 16, "\(inFlight.peak) pages at once")
        print("fiftyConcurrentScrapes: \(good)/50 in \(elapsed), at most \(inFlight.peak) at once")
    }

    @Test func beyondWorkersAndQueue_connectionsAreClosedAtOnce() throws {
        let (fd, port) = try MetricsHTTPServer.bind("127.0.0.1:0")
        let listener = try SocketListener(
            listenFD: fd, name: "test-cap",
            limits: .init(connectionTimeout: .seconds(3), maxConnections: 2, maxQueued: 1),
            logger: logger
        ) { connection, deadline in
            let request = SocketIO.read(connection, limit: 1024, deadline: deadline) { $0.contains(UInt8(ascii: "\n")) }
            if !request.timedOut { SocketIO.sendAll(connection, Array("ok\n".utf8), deadline: deadline) }
        }
        listener.start()
        defer { listener.stop() }
        // Two silent clients hold both workers, a third waits in the queue.
        let holders = try (0..<3).map { _ in try RawSocket.connectTCP(port: port) }
        usleep(300_000)
        #expect(listener.activeConnections == 2)
        let extra = try RawSocket.connectTCP(port: port)
        defer { close(extra) }
        #expect(waitUntil(.milliseconds(500)) { RawSocket.peerClosed(extra) == true } != nil, "closed at once")
        #expect(listener.refusedConnections == 1)
        // The queued client is served once a worker frees up.
        RawSocket.sendBytes(holders[2], Array("hi\n".utf8))
        close(holders[0])
        let reply = RawSocket.readAll(holders[2], timeout: .seconds(2))
        #expect(reply.count == 3 && reply.ended)
        close(holders[1])
        close(holders[2])
        #expect(try RawSocket.exchangeTCP(port: port, Array("x\n".utf8)) == Array("ok\n".utf8))
    }

    @Test func stop_doesNotWaitOutAStalledClient() throws {
        let server = try MetricsHTTPServer(listen: "127.0.0.1:0", connectionTimeout: .seconds(30), logger: logger) {
            "zael_up 1\n"
        }
        server.start()
        let silent = try RawSocket.connectTCP(port: server.port)
        defer { close(silent) }
        usleep(200_000)
        #expect(server.listener.activeConnections == 1)
        let started = ContinuousClock.now
        server.stop()
        let took = ContinuousClock.now - started
        #expect(took < .seconds(3), "stop took \(took)")
        #expect(RawSocket.peerClosed(silent) == true)
    }

    @Test func statusSocket_clientThatNeverReads_doesNotStarveOthers_andIsDropped() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zsc-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/status.sock"
        let calls = LockedCounter()
        let server = try StatusServer(path: path, connectionTimeout: .seconds(2), logger: logger) {
            var snapshot = StatusFixtures.snapshot()
            // The first document is 8 MiB: far more than a unix socket buffers.
            if calls.next() == 1 { snapshot.host = String(repeating: "h", count: 8 << 20) }
            return snapshot
        }
        server.start()
        defer { server.stop() }

        let started = ContinuousClock.now
        let nonReader = try RawSocket.connectUnix(path: path)
        defer { close(nonReader) }
        usleep(200_000)  // its document is the first one made
        let silent = try RawSocket.connectUnix(path: path)
        defer { close(silent) }
        usleep(300_000)
        let fetchStart = ContinuousClock.now
        let fetched = try StatusClient.fetch(path: path)
        let fetchTime = ContinuousClock.now - fetchStart
        #expect(fetched.host == StatusFixtures.snapshot().host)
        #expect(fetchTime < .seconds(1), "status fetch took \(fetchTime)")
        // The silent client was sent its (small) document at once and closed; the one that
        // never reads is dropped at its deadline.
        #expect(RawSocket.readAll(silent, timeout: .seconds(1)).ended)
        #expect(waitUntil(.seconds(4)) { server.activeConnections == 0 } != nil)
        #expect(ContinuousClock.now - started > .milliseconds(1700))
        let leftover = RawSocket.readAll(nonReader, timeout: .seconds(5))
        #expect(leftover.ended)
        #expect(leftover.count < 8 << 20, "read \(leftover.count) bytes of a document over 8 MiB")
    }
}

/// Results collected from many threads.
final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Result<Bool, any Error>] = []  // guarded by `lock`

    func append(_ value: Result<Bool, any Error>) { lock.withLock { values.append(value) } }
    var all: [Result<Bool, any Error>] { lock.withLock { values } }
}

/// How many callers are inside a section now, and the most at once.
final class LockedGauge: @unchecked Sendable {
    private let lock = NSLock()
    private var current = 0  // guarded by `lock`
    private var highest = 0  // guarded by `lock`

    func enter() {
        lock.withLock {
            current += 1
            highest = max(highest, current)
        }
    }

    func leave() { lock.withLock { current -= 1 } }
    var peak: Int { lock.withLock { highest } }
}
