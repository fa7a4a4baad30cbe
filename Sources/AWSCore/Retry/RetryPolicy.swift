/// When and how long to wait before retrying a failed AWS call.
///
/// Exponential backoff with full jitter (`delay = random(0, min(cap, base × 2^(attempt−1)))`, the
/// AWS architecture blog's recommendation), bounded by `maxAttempts` and by a shared
/// `RetryBudget`. Throttling and transient errors are retried; a credentials error is retried
/// once after the provider is invalidated; conditional, fatal and cancelled errors never.
public struct RetryPolicy: Sendable {
    /// Attempts per call, the first included. Default 5.
    public var maxAttempts: Int
    /// Backoff base. Default 50 ms (DynamoDB's SDK default).
    public var base: Duration
    /// Largest backoff before jitter. Default 5 s.
    public var cap: Duration

    /// The most one call may take, all attempts and backoffs included; nil for no bound. A retry
    /// is not started when the time spent, its backoff and `attemptTimeout` together would pass
    /// it, so a call ends well inside a watchdog interval instead of 5 × the HTTP timeout.
    /// Default nil.
    public var maxElapsed: Duration?
    /// The longest one attempt can take (the transport's connect plus request timeout); only
    /// used with `maxElapsed`. Default zero.
    public var attemptTimeout: Duration

    public init(
        maxAttempts: Int = 5, base: Duration = .milliseconds(50), cap: Duration = .seconds(5),
        maxElapsed: Duration? = nil, attemptTimeout: Duration = .zero
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.base = base
        self.cap = cap
        self.maxElapsed = maxElapsed
        self.attemptTimeout = attemptTimeout
    }

    /// Whether a retry after `delay`, with `elapsed` already spent on the call, still fits in
    /// `maxElapsed`.
    public func retryFits(elapsed: Duration, delay: Duration) -> Bool {
        guard let maxElapsed else { return true }
        return elapsed + delay + attemptTimeout <= maxElapsed
    }

    /// No retries at all (tests, and callers that run their own loop).
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The backoff before attempt `attempt + 1` after attempt `attempt` failed; `random` is a
    /// uniform value in [0, 1).
    public func delay(afterAttempt attempt: Int, random: Double) -> Duration {
        Backoff(base: base, cap: cap).delay(attempt: attempt, jitter: random)
    }

    /// What to do after `error` ended attempt `attempt`; `credentialRetries` is how many
    /// credentials retries this call already made.
    public func decision(after error: AWSError, attempt: Int, credentialRetries: Int) -> Decision {
        guard attempt < maxAttempts else { return .giveUp }
        switch error.kind {
        case .throttling, .transient: return .backoff
        case .credentials: return credentialRetries == 0 ? .refreshCredentials : .giveUp
        case .conditional, .fatal, .cancelled: return .giveUp
        }
    }

    /// The outcome of `decision(after:attempt:credentialRetries:)`.
    public enum Decision: Sendable, Equatable {
        /// Sleep `delay(afterAttempt:random:)` (if the budget allows), then retry.
        case backoff
        /// Invalidate the credential provider and retry at once.
        case refreshCredentials
        /// Throw the error.
        case giveUp
    }
}
