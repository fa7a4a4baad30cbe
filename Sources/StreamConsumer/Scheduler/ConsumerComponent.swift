/// Parts of the consumer that report progress to a watchdog through `onProgress`.
///
/// Shard consumers report under their shard id, so that one wedged shard among many is seen
/// (a watchdog that only knew "some consumer moved" would miss it).
public enum ConsumerComponent: Sendable, Hashable {
    /// The lease loop finished a renew round.
    case leaseLoop
    /// The shard sync loop listed the shards.
    case shardSync
    /// The consumer of this shard finished a step (fetch, batch, or a failed attempt and its backoff).
    case shardConsumer(shardId: String)
    /// The consumer of this shard stopped (lease lost, shard ended, shutdown): expect nothing more of it.
    case shardConsumerStopped(shardId: String)

    /// A bounded name for logs: the component kind plus the shard id where there is one.
    public var name: String {
        switch self {
        case .leaseLoop: return "lease loop"
        case .shardSync: return "shard sync"
        case .shardConsumer(let shardId), .shardConsumerStopped(let shardId): return "shard \(shardId)"
        }
    }
}
