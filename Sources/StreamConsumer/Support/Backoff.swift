import Foundation

/// Exponential backoff with full jitter: a random delay in 0…min(cap, base·2^(attempt-1)).
struct Backoff: Sendable {
    var base: Duration
    var cap: Duration

    func delay(attempt: Int) -> Duration {
        let exponent = Double(min(max(attempt - 1, 0), 30))
        let ceiling = min(cap.seconds, base.seconds * pow(2, exponent))
        return .fromSeconds(Double.random(in: 0...max(ceiling, 0.000_001)))
    }
}
