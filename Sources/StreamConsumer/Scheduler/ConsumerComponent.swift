/// Parts of the consumer that report progress to a watchdog through `onProgress`.
public enum ConsumerComponent: String, Sendable {
    /// The lease loop finished a renew round.
    case leaseLoop
    /// The shard sync loop listed the shards.
    case shardSync
    /// A shard consumer finished a step (fetch or batch).
    case shardConsumer
}
