/// Why a shard consumer stopped.
public enum ShutdownReason: String, Sendable, Equatable {
    /// Another worker holds the lease now; nothing more was written.
    case leaseLost
    /// Every record was processed and SHARD_END checkpointed.
    case shardEnded
    /// Graceful shutdown: checkpointed, lease to be released.
    case requested
}
