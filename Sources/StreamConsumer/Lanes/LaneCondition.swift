/// Why a lane is not making progress although nothing is wrong with its records: the shard's
/// status shows it (state `throttled` or `halted`), and so does the daemon's `STATUS=` line.
public struct LaneCondition: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// AWS keeps asking us to slow down (or failing transiently); the lane retries with backoff.
        case throttled
        /// A permanent error about the environment; the lane retries slowly until it is fixed.
        case halted
    }

    public var kind: Kind
    /// The AWS error code (bounded: safe in a metric label and a status line).
    public var code: String
    /// Failed attempts since the condition began.
    public var attempts: Int
    /// When the condition began (the consumer clock).
    public var since: Duration
    /// The latest error's text (for the status's last error while the lane is held up).
    public var lastError: String = ""

    public var description: String { "\(kind.rawValue): \(code) (\(attempts) attempts)" }
}
