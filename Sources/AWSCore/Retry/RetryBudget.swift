import Foundation

/// A token bucket that limits retries across many calls, like the AWS SDKs' standard retry mode.
///
/// Each retry takes tokens (5, or 10 after a timeout); a call that succeeds after retries gives
/// its tokens back, and a first-try success adds 1. When the bucket runs dry, failing calls stop
/// retrying until successes refill it, so a service outage does not turn into a retry storm.
/// Thread-safe: one budget may be shared by every client of a service.
public final class RetryBudget: @unchecked Sendable {
    // `lock` guards `available`.
    private let lock = NSLock()
    private var available: Int
    public let capacity: Int
    public let retryCost: Int
    public let timeoutRetryCost: Int

    public init(capacity: Int = 500, retryCost: Int = 5, timeoutRetryCost: Int = 10) {
        self.capacity = capacity
        self.available = capacity
        self.retryCost = retryCost
        self.timeoutRetryCost = timeoutRetryCost
    }

    /// Tokens left now.
    public var tokens: Int {
        lock.lock()
        defer { lock.unlock() }
        return available
    }

    /// Takes the cost of retrying after `error`; nil (nothing taken) when the bucket cannot pay.
    public func acquire(after error: AWSError) -> Int? {
        let cost = error.code == "CurlTimeout" ? timeoutRetryCost : retryCost
        lock.lock()
        defer { lock.unlock() }
        guard available >= cost else { return nil }
        available -= cost
        return cost
    }

    /// A call succeeded after taking `spent` tokens for its retries (0 for a first-try success).
    public func recordSuccess(spent: Int) {
        lock.lock()
        defer { lock.unlock() }
        available = min(capacity, available + (spent > 0 ? spent : 1))
    }
}
