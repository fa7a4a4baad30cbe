import AWSCore
import Foundation
import Logging

/// Retries a start-up step while its AWS errors are retryable (endpoint down, throttling), for up
/// to `budget`, keeping `STATUS=` current; a fatal error or an exhausted budget is thrown.
enum StartupRetry {
    static func run<T>(
        _ step: String, budget: Duration = .seconds(60), logger: Logger, status: (String) -> Void,
        _ body: () throws -> T
    ) throws -> T {
        let deadline = ContinuousClock.now + budget
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try body()
            } catch let error as AWSError where error.isRetryable && ContinuousClock.now < deadline {
                let delay = min(Double(1 << min(attempt, 4)), 10)
                logger.warning(
                    "cannot \(step) yet; retrying",
                    metadata: ["error.code": "\(error.code)", "error": "\(error)", "attempt": "\(attempt)"])
                status("starting: cannot \(step) (\(error.code)), retrying in \(Int(delay)) s")
                Thread.sleep(forTimeInterval: delay)
            } catch {
                throw DaemonError.classify(error).described(as: step)
            }
        }
    }
}

extension DaemonError {
    /// The same error with the failing step named first.
    func described(as step: String) -> DaemonError {
        switch self {
        case .misconfigured(let text): return .misconfigured("cannot \(step): \(text)")
        case .unavailable(let text): return .unavailable("cannot \(step): \(text)")
        case .failed(let text): return .failed("cannot \(step): \(text)")
        }
    }
}
