import Foundation

/// Runs one AWS call with a `RetryPolicy`, a shared `RetryBudget` and an interruptible sleep.
///
/// Every error the attempts throw must be an `AWSError`; its `attempt` is set to the attempt on
/// which it happened. The sleeper returns false when shutdown interrupted the sleep, which ends
/// the call with kind `.cancelled`.
public struct Retrier: Sendable {
    public var policy: RetryPolicy
    public var budget: RetryBudget
    /// Uniform random values in [0, 1) for jitter; injectable for tests.
    public var random: @Sendable () -> Double
    /// Sleeps for the given time; returns false when interrupted (shutdown).
    public var sleep: @Sendable (Duration) -> Bool
    /// Called with each error that is about to be retried (for retry metrics by
    /// `error.metricLabel` and `error.operation`). Default nil.
    public var onRetry: (@Sendable (AWSError) -> Void)?
    /// Called before every attempt and after every failed one: the call is alive and making
    /// attempts (a watchdog's liveness signal). Default nil.
    public var onAttempt: (@Sendable () -> Void)?
    /// Monotonic time for `RetryPolicy.maxElapsed`; injectable for tests.
    public var now: @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }

    public init(
        policy: RetryPolicy = .init(), budget: RetryBudget = .init(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        sleep: @escaping @Sendable (Duration) -> Bool
    ) {
        self.policy = policy
        self.budget = budget
        self.random = random
        self.sleep = sleep
    }

    /// A retrier whose sleeps end early when `abortFlag` fires.
    public init(policy: RetryPolicy = .init(), budget: RetryBudget = .init(), abortFlag: StopLatch?) {
        let sleeper: @Sendable (Duration) -> Bool
        if let abortFlag {
            sleeper = { !abortFlag.wait($0) }
        } else {
            sleeper = { duration in
                Thread.sleep(forTimeInterval: duration.seconds)
                return true
            }
        }
        self.init(policy: policy, budget: budget, sleep: sleeper)
    }

    /// Calls `attempt` (with the 1-based attempt number) until it succeeds or the policy, the
    /// budget or a shutdown says stop; `credentials` is invalidated before a credentials retry.
    public func run<Output>(
        operation: String, credentials: (any CredentialProvider)? = nil, _ attempt: (Int) throws -> Output
    ) throws -> Output {
        var number = 1
        var spent = 0
        var credentialRetries = 0
        let started = now()
        while true {
            onAttempt?()
            do {
                let output = try attempt(number)
                budget.recordSuccess(spent: spent)
                return output
            } catch var error as AWSError {
                error.attempt = number
                onAttempt?()
                switch policy.decision(after: error, attempt: number, credentialRetries: credentialRetries) {
                case .giveUp:
                    throw error
                case .refreshCredentials:
                    onRetry?(error)
                    credentialRetries += 1
                    credentials?.invalidate()
                case .backoff:
                    let delay = policy.delay(afterAttempt: number, random: random())
                    guard policy.retryFits(elapsed: started.duration(to: now()), delay: delay) else {
                        error.message += " (retry time limit reached)"
                        throw error
                    }
                    guard let cost = budget.acquire(after: error) else {
                        error.message += " (retry budget exhausted)"
                        throw error
                    }
                    spent += cost
                    onRetry?(error)
                    if !sleep(delay) {
                        throw AWSError(
                            kind: .cancelled, code: "Cancelled",
                            message: "shutdown requested while backing off after \(error.code)", operation: operation,
                            requestID: error.requestID, httpStatus: error.httpStatus, attempt: number)
                    }
                }
                number += 1
            }
        }
    }
}
