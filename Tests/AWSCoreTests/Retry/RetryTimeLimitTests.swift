import Foundation
import Testing

@testable import AWSCore

/// One call's total time stays within `RetryPolicy.maxElapsed`, and every attempt reports liveness.
struct RetryTimeLimitTests {
    /// A clock the attempts move forward, as slow calls would.
    final class SteppedClock: @unchecked Sendable {
        // `lock` guards `elapsed` and `ticks`.
        private let lock = NSLock()
        private var elapsed = Duration.zero
        private var ticks = 0
        private let origin = ContinuousClock.now
        func advance(_ duration: Duration) { lock.withLock { elapsed += duration } }
        func tick() { lock.withLock { ticks += 1 } }
        var now: ContinuousClock.Instant { lock.withLock { origin + elapsed } }
        var tickCount: Int { lock.withLock { ticks } }
    }

    @Test func slowThrottledAttempts_stopBeforeTheTimeLimit() {
        let clock = SteppedClock()
        var retrier = Retrier(
            policy: RetryPolicy(maxAttempts: 10, maxElapsed: .seconds(20), attemptTimeout: .seconds(6)),
            random: { 0 }, sleep: { _ in true })
        retrier.now = { clock.now }
        retrier.onAttempt = { clock.tick() }
        var attempts = 0
        #expect(throws: AWSError.self) {
            try retrier.run(operation: "TransactWriteItems") { _ -> Int in
                attempts += 1
                clock.advance(.seconds(6))
                throw AWSError(kind: .throttling, code: "ThrottlingException", message: "", operation: "Op")
            }
        }
        // 0–6 s, 6–12 s, 12–18 s; a fourth could end at 24 s, past the 20 s limit.
        #expect(attempts == 3)
        #expect(clock.tickCount == 6, "before and after each attempt")
        do {
            _ = try retrier.run(operation: "Op") { _ -> Int in
                clock.advance(.seconds(6))
                throw AWSError(kind: .transient, code: "CurlTimeout", message: "", operation: "Op")
            }
        } catch let error as AWSError {
            #expect(error.message.contains("retry time limit"))
            #expect(error.kind == .transient, "the caller still sees weather, and retries on its own terms")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func withoutALimit_everyAttemptIsUsed() throws {
        let clock = SteppedClock()
        var retrier = Retrier(policy: RetryPolicy(maxAttempts: 4), random: { 0 }, sleep: { _ in true })
        retrier.now = { clock.now }
        var attempts = 0
        let value = try retrier.run(operation: "Op") { number -> Int in
            attempts += 1
            clock.advance(.seconds(60))
            if number < 4 {
                throw AWSError(kind: .throttling, code: "ThrottlingException", message: "", operation: "Op")
            }
            return number
        }
        #expect(value == 4)
        #expect(attempts == 4)
    }

    @Test func retryFits_accountsForTheNextAttempt() {
        let policy = RetryPolicy(maxElapsed: .seconds(20), attemptTimeout: .seconds(13))
        #expect(policy.retryFits(elapsed: .seconds(5), delay: .seconds(2)))
        #expect(!policy.retryFits(elapsed: .seconds(5), delay: .seconds(3)))
        #expect(RetryPolicy().retryFits(elapsed: .seconds(1000), delay: .seconds(5)))
    }
}
