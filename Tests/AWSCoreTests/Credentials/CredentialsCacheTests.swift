import Foundation
import Logging
import Testing

@testable import AWSCore

/// A settable clock shared between a test and the provider under test: wall time and a
/// monotonic instant that `advance` moves together.
final class CredentialsTestClock: @unchecked Sendable {
    // `lock` guards `current` and `elapsed`.
    private let lock = NSLock()
    private var current: Date
    private var elapsed: Duration = .zero
    private let origin = ContinuousClock.now

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = start }

    var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    var instant: ContinuousClock.Instant {
        lock.lock()
        defer { lock.unlock() }
        return origin.advanced(by: elapsed)
    }

    func advance(_ seconds: TimeInterval) {
        lock.lock()
        current += seconds
        elapsed += .milliseconds(Int64(seconds * 1000))
        lock.unlock()
    }

    /// Moves only the wall clock (a clock step); elapsed time stays where it is.
    func step(_ seconds: TimeInterval) {
        lock.lock()
        current += seconds
        lock.unlock()
    }
}

/// A provider whose answers the test scripts: each call returns credentials numbered by the call
/// and expiring `lifetime` after the clock's now, or throws while `failing` is set. With `gate`
/// set, calls block until the test signals it.
final class ScriptedCredentialProvider: CredentialProvider, @unchecked Sendable {
    // `lock` guards `calls`, `failing` and `invalidations`.
    private let lock = NSLock()
    private var calls = 0
    private var invalidations = 0
    var failing = false
    let clock: CredentialsTestClock
    let lifetime: TimeInterval
    let gate: DispatchSemaphore?
    let entered = DispatchSemaphore(value: 0)

    init(clock: CredentialsTestClock, lifetime: TimeInterval, gated: Bool = false) {
        self.clock = clock
        self.lifetime = lifetime
        self.gate = gated ? DispatchSemaphore(value: 0) : nil
    }

    var callCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return calls
    }

    func setFailing(_ value: Bool) {
        lock.lock()
        failing = value
        lock.unlock()
    }

    func credentials() throws -> Credentials {
        lock.lock()
        calls += 1
        let number = calls
        let fail = failing
        lock.unlock()
        entered.signal()
        gate?.wait()
        if fail {
            throw AWSError(
                kind: .transient, code: "Unreachable", message: "scripted failure", operation: "ResolveCredentials")
        }
        return Credentials(
            accessKeyID: "AKIA\(number)", secretAccessKey: "secret\(number)", sessionToken: "token\(number)",
            expiration: clock.now.addingTimeInterval(lifetime), source: "scripted")
    }

    func invalidate() {
        lock.lock()
        invalidations += 1
        lock.unlock()
    }
}

@Suite struct CredentialsCacheTests {
    let logger = Logger(label: "test.credentials")

    func makeCache(_ source: ScriptedCredentialProvider, margin: Int = 300) -> CachedCredentialProvider {
        let clock = source.clock
        return CachedCredentialProvider(
            source, refreshMargin: .seconds(margin), retryInterval: .seconds(10), now: { clock.now },
            monotonicNow: { clock.instant }, logger: logger)
    }

    @Test func cachedUntilRefreshMargin_thenRefreshed() throws {
        let clock = CredentialsTestClock()
        let source = ScriptedCredentialProvider(clock: clock, lifetime: 900)
        let cache = makeCache(source)
        #expect(try cache.credentials().accessKeyID == "AKIA1")
        clock.advance(599)  // 301 s left: outside the 300 s margin
        #expect(try cache.credentials().accessKeyID == "AKIA1")
        #expect(source.callCount == 1)
        clock.advance(2)  // 299 s left: inside the margin
        #expect(try cache.credentials().accessKeyID == "AKIA2")
        #expect(source.callCount == 2)
        #expect(cache.refreshCount == 2)
    }

    @Test func invalidate_forcesRefresh() throws {
        let clock = CredentialsTestClock()
        let source = ScriptedCredentialProvider(clock: clock, lifetime: 3600)
        let cache = makeCache(source)
        _ = try cache.credentials()
        cache.invalidate()
        #expect(try cache.credentials().accessKeyID == "AKIA2")
    }

    @Test func failedRefresh_keepsValidCredentialsAndRetriesLater() throws {
        let clock = CredentialsTestClock()
        let source = ScriptedCredentialProvider(clock: clock, lifetime: 600)
        let cache = makeCache(source)
        _ = try cache.credentials()
        clock.advance(400)  // 200 s left: refresh due
        source.setFailing(true)
        #expect(try cache.credentials().accessKeyID == "AKIA1")
        #expect(source.callCount == 2)
        clock.advance(5)  // within the retry interval: no new attempt
        #expect(try cache.credentials().accessKeyID == "AKIA1")
        #expect(source.callCount == 2)
        clock.advance(6)  // retry interval passed
        source.setFailing(false)
        #expect(try cache.credentials().accessKeyID == "AKIA3")
    }

    @Test func failedRefresh_withExpiredCredentials_throws() throws {
        let clock = CredentialsTestClock()
        let source = ScriptedCredentialProvider(clock: clock, lifetime: 600)
        let cache = makeCache(source)
        _ = try cache.credentials()
        clock.advance(601)
        source.setFailing(true)
        #expect(throws: AWSError.self) { try cache.credentials() }
        cache.invalidate()  // clears the fail-fast window
        source.setFailing(false)
        #expect(try cache.credentials().accessKeyID == "AKIA3")
    }

    @Test func retryInterval_isElapsedTime_aWallClockStepDoesNotEndIt() throws {
        let clock = CredentialsTestClock()
        let source = ScriptedCredentialProvider(clock: clock, lifetime: 600)
        let cache = makeCache(source)
        source.setFailing(true)
        #expect(throws: AWSError.self) { try cache.credentials() }
        #expect(source.callCount == 1)
        clock.step(3600)  // the wall clock jumps an hour; only 0 s have elapsed
        #expect(throws: AWSError.self) { try cache.credentials() }
        #expect(source.callCount == 1)
        clock.advance(11)  // now the retry interval has really passed
        source.setFailing(false)
        #expect(try cache.credentials().accessKeyID == "AKIA2")
    }

    @Test func concurrentCallers_oneRefreshesWhileOthersUseValidCredentials() throws {
        let clock = CredentialsTestClock()
        let source = ScriptedCredentialProvider(clock: clock, lifetime: 600, gated: true)
        let cache = makeCache(source)
        source.gate?.signal()
        _ = try cache.credentials()
        _ = source.entered.wait(timeout: .now())  // drain the first call's signal
        clock.advance(400)  // refresh due, still valid

        let refresher = DispatchGroup()
        refresher.enter()
        DispatchQueue.global().async {
            _ = try? cache.credentials()
            refresher.leave()
        }
        #expect(source.entered.wait(timeout: .now() + 5) == .success)
        // While the refresh blocks, 50 other callers get the old credentials at once.
        let results = ResultBox()
        DispatchQueue.concurrentPerform(iterations: 50) { _ in results.add(try? cache.credentials().accessKeyID) }
        #expect(results.values == Array(repeating: "AKIA1", count: 50))
        #expect(source.callCount == 2)
        source.gate?.signal()
        refresher.wait()
        #expect(try cache.credentials().accessKeyID == "AKIA2")
        #expect(source.callCount == 2)
    }

    @Test func concurrentCallers_withNothingValid_waitForOneRefreshAndShareItsError() throws {
        let clock = CredentialsTestClock()
        let source = ScriptedCredentialProvider(clock: clock, lifetime: 600, gated: true)
        source.setFailing(true)
        let cache = makeCache(source)
        let results = ResultBox()
        let group = DispatchGroup()
        // Threads of their own: Dispatch's pool on a small machine may not start all eight while
        // the first ones block.
        for _ in 0..<8 {
            group.enter()
            Thread {
                do { results.add(try cache.credentials().accessKeyID) } catch { results.add("error") }
                group.leave()
            }.start()
        }
        #expect(source.entered.wait(timeout: .now() + 5) == .success)
        // The other seven callers queue up behind the refresh before it ends.
        try #require(waitUntil { cache.waitingCallers == 7 })
        source.gate?.signal()
        try #require(group.wait(timeout: .now() + 5) == .success)
        #expect(results.values == Array(repeating: "error", count: 8))
        #expect(source.callCount == 1)
        // Within the retry interval callers fail fast; after it, the next caller refreshes.
        source.setFailing(false)
        #expect(throws: AWSError.self) { try cache.credentials() }
        #expect(source.callCount == 1)
        clock.advance(11)
        source.gate?.signal()
        #expect(try cache.credentials().accessKeyID == "AKIA2")
    }
}

/// Polls `condition` until it holds or `timeout` of elapsed time has passed; whether it held.
func waitUntil(timeout: Duration = .seconds(5), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while !condition() {
        if ContinuousClock.now >= deadline { return false }
        Thread.sleep(forTimeInterval: 0.001)
    }
    return true
}

final class ResultBox: @unchecked Sendable {
    // `lock` guards `stored`.
    private let lock = NSLock()
    private var stored: [String?] = []
    func add(_ value: String?) {
        lock.lock()
        stored.append(value)
        lock.unlock()
    }
    var values: [String?] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
