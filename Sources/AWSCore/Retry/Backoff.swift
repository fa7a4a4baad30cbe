import Foundation

/// Exponential backoff with full jitter: a random delay in 0…min(cap, base·2^(attempt-1)) (the
/// AWS architecture blog's recommendation). The one backoff of the daemon: the AWS clients'
/// retries, the engine's lane and fetch retries and the aggregator's conflict retries all use it.
public struct Backoff: Sendable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration, cap: Duration) {
        self.base = base
        self.cap = cap
    }

    public func delay(attempt: Int) -> Duration {
        delay(attempt: attempt, jitter: Double.random(in: 0...1))
    }

    /// The delay for a given jitter in 0…1 (the fraction of the ceiling), for callers that draw
    /// the randomness themselves (the retrieval state machine stays deterministic, the retrier's
    /// randomness is injectable).
    public func delay(attempt: Int, jitter: Double) -> Duration {
        let exponent = Double(min(max(attempt - 1, 0), 30))
        let ceiling = min(cap.seconds, base.seconds * pow(2, exponent))
        return .fromSeconds(max(ceiling, 0.000_001) * min(max(jitter, 0), 1))
    }
}
