import AWSCore
import StreamConsumer

/// Why the daemon ended with a failure, and the exit status that tells systemd what to do.
enum DaemonError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Something only the operator can fix (no stream, wrong view type, unknown schema, missing
    /// lease table, access denied): EX_CONFIG (78), which the unit does not restart on.
    case misconfigured(String)
    /// AWS stayed unreachable or kept failing through the start-up retries: EX_UNAVAILABLE (69),
    /// so systemd restarts the unit later.
    case unavailable(String)
    /// Anything else: EX_SOFTWARE (70).
    case failed(String)

    var exitCode: Int32 {
        switch self {
        case .misconfigured: return 78
        case .unavailable: return 69
        case .failed: return 70
        }
    }

    var description: String {
        switch self {
        case .misconfigured(let text), .unavailable(let text), .failed(let text): return text
        }
    }

    /// Sorts a start-up failure: retryable AWS errors mean "unavailable", fatal ones and consumer
    /// configuration problems mean the operator has to act.
    static func classify(_ error: Error) -> DaemonError {
        switch error {
        case let error as DaemonError:
            return error
        case let error as AWSError:
            return error.isRetryable ? .unavailable("\(error)") : .misconfigured("\(error)")
        case let error as ConsumerError:
            return .misconfigured("\(error)")
        case let error as SpoolError:
            // The spool path cannot be opened (a symlink, a directory, no permission).
            return .misconfigured("\(error)")
        default:
            return .failed("\(error)")
        }
    }
}
