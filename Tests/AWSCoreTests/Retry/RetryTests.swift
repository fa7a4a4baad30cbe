import Foundation
import Testing

@testable import AWSCore

/// Records what the retrier asked for, with no real sleeping.
private final class RecordingSleeper: @unchecked Sendable {
    // `lock` guards `sleeps` (the retrier calls from the test's thread only, but be safe).
    private let lock = NSLock()
    private var sleeps: [Duration] = []
    var interruptAfter: Int?

    func sleep(_ duration: Duration) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        sleeps.append(duration)
        if let interruptAfter, sleeps.count >= interruptAfter { return false }
        return true
    }

    var recorded: [Duration] {
        lock.lock()
        defer { lock.unlock() }
        return sleeps
    }
}

private final class CountingProvider: CredentialProvider, @unchecked Sendable {
    // `lock` guards `invalidations`.
    private let lock = NSLock()
    private var invalidations = 0
    func credentials() throws -> Credentials { Credentials(accessKeyID: "AKID", secretAccessKey: "s", source: "test") }
    func invalidate() {
        lock.lock()
        invalidations += 1
        lock.unlock()
    }
    var invalidated: Int {
        lock.lock()
        defer { lock.unlock() }
        return invalidations
    }
}

private func failure(_ kind: AWSError.Kind, code: String = "X") -> AWSError {
    AWSError(kind: kind, code: code, message: "", operation: "Op")
}

@Suite struct RetryTests {
    @Test func delay_isFullJitterOfCappedExponential() {
        let policy = RetryPolicy(maxAttempts: 10, base: .milliseconds(100), cap: .seconds(1))
        #expect(policy.delay(afterAttempt: 1, random: 0.5) == .milliseconds(50))
        #expect(policy.delay(afterAttempt: 2, random: 0.5) == .milliseconds(100))
        #expect(policy.delay(afterAttempt: 3, random: 1) == .milliseconds(400))
        #expect(policy.delay(afterAttempt: 5, random: 1) == .seconds(1))
        #expect(policy.delay(afterAttempt: 60, random: 0.25) == .milliseconds(250))
        #expect(policy.delay(afterAttempt: 3, random: 0) == .zero)
    }

    @Test func throttling_isRetriedUntilMaxAttempts_withJitteredSleeps() throws {
        let sleeper = RecordingSleeper()
        let retrier = Retrier(
            policy: RetryPolicy(maxAttempts: 4, base: .milliseconds(10), cap: .seconds(1)), budget: RetryBudget(),
            random: { 0.5 }, sleep: { sleeper.sleep($0) })
        var attempts: [Int] = []
        let error = #expect(throws: AWSError.self) {
            try retrier.run(operation: "Op") { (attempt: Int) -> Int in
                attempts.append(attempt)
                throw failure(.throttling)
            }
        }
        #expect(attempts == [1, 2, 3, 4])
        #expect(error?.attempt == 4)
        #expect(sleeper.recorded == [.milliseconds(5), .milliseconds(10), .milliseconds(20)])
    }

    @Test func transient_thenSuccess_returnsAndRefundsTheBudget() throws {
        let budget = RetryBudget(capacity: 20, retryCost: 5)
        let retried = RecordingSleeper()
        var retrier = Retrier(policy: .init(), budget: budget, random: { 0 }, sleep: { _ in true })
        retrier.onRetry = { _ in _ = retried.sleep(.zero) }
        let value = try retrier.run(operation: "Op") { attempt in
            if attempt < 3 { throw failure(.transient) }
            return attempt
        }
        #expect(value == 3)
        #expect(budget.tokens == 20)
        #expect(retried.recorded.count == 2)
    }

    @Test(arguments: [AWSError.Kind.conditional, .fatal, .cancelled])
    func nonRetryableKinds_failAtOnce(kind: AWSError.Kind) {
        let sleeper = RecordingSleeper()
        let retrier = Retrier(policy: .init(), budget: .init(), random: { 0 }, sleep: { sleeper.sleep($0) })
        var calls = 0
        let error = #expect(throws: AWSError.self) {
            try retrier.run(operation: "Op") { (_: Int) -> Int in
                calls += 1
                throw failure(kind)
            }
        }
        #expect(calls == 1)
        #expect(error?.kind == kind)
        #expect(sleeper.recorded.isEmpty)
    }

    @Test func credentials_invalidateThenRetryOnceOnly() {
        let provider = CountingProvider()
        let sleeper = RecordingSleeper()
        let retrier = Retrier(policy: .init(), budget: .init(), random: { 0 }, sleep: { sleeper.sleep($0) })
        var calls = 0
        let error = #expect(throws: AWSError.self) {
            try retrier.run(operation: "Op", credentials: provider) { (_: Int) -> Int in
                calls += 1
                throw failure(.credentials, code: "ExpiredTokenException")
            }
        }
        #expect(calls == 2)
        #expect(provider.invalidated == 1)
        #expect(error?.code == "ExpiredTokenException")
        #expect(sleeper.recorded.isEmpty)
    }

    @Test func emptyBudget_stopsRetrying_andSuccessesRefillIt() throws {
        let budget = RetryBudget(capacity: 10, retryCost: 5, timeoutRetryCost: 10)
        let retrier = Retrier(policy: RetryPolicy(maxAttempts: 10), budget: budget, random: { 0 }, sleep: { _ in true })
        var calls = 0
        let error = #expect(throws: AWSError.self) {
            try retrier.run(operation: "Op") { (_: Int) -> Int in
                calls += 1
                throw failure(.transient)
            }
        }
        #expect(calls == 3)  // two retries of cost 5 drained the bucket of 10
        #expect(budget.tokens == 0)
        #expect(error?.message.contains("budget") == true)
        _ = try retrier.run(operation: "Op") { $0 }
        #expect(budget.tokens == 1)
        // A timeout costs more than the bucket holds: no retry.
        calls = 0
        _ = #expect(throws: AWSError.self) {
            try retrier.run(operation: "Op") { (_: Int) -> Int in
                calls += 1
                throw failure(.transient, code: "CurlTimeout")
            }
        }
        #expect(calls == 1)
    }

    @Test func interruptedSleep_endsWithCancelled() {
        let sleeper = RecordingSleeper()
        sleeper.interruptAfter = 1
        let retrier = Retrier(policy: .init(), budget: .init(), random: { 0.5 }, sleep: { sleeper.sleep($0) })
        let error = #expect(throws: AWSError.self) {
            try retrier.run(operation: "Op") { (_: Int) -> Int in throw failure(.throttling) }
        }
        #expect(error?.kind == .cancelled)
    }

    @Test func abortFlag_wakesARealSleepAtOnce() {
        let flag = StopLatch()
        let retrier = Retrier(policy: RetryPolicy(base: .seconds(30), cap: .seconds(30)), abortFlag: flag)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(100)) { flag.fire() }
        let started = Date()
        let error = #expect(throws: AWSError.self) {
            try retrier.run(operation: "Op") { (_: Int) -> Int in throw failure(.throttling) }
        }
        #expect(error?.kind == .cancelled)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(flag.wait(.seconds(10)))
    }
}
