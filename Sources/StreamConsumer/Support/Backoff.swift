import Foundation

/// Exponential backoff with full jitter: a random delay in 0…min(cap, base·2^(attempt-1)).
struct Backoff: Sendable {
    var base: Duration
    var cap: Duration

    func delay(attempt: Int) -> Duration {
        delay(attempt: attempt, jitter: Double.random(in: 0...1))
    }

    /// The delay for a given jitter in 0…1 (the fraction of the ceiling), for callers that draw
    /// the randomness themselves (the retrieval state machine stays deterministic).
    func delay(attempt: Int, jitter: Double) -> Duration {
        let exponent = Double(min(max(attempt - 1, 0), 30))
        let ceiling = min(cap.seconds, base.seconds * pow(2, exponent))
        return .fromSeconds(max(ceiling, 0.000_001) * min(max(jitter, 0), 1))
    }
}
