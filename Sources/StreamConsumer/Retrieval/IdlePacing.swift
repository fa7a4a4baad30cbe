/// How long a caught-up shard with nothing pending waits after an empty GetRecords page.
///
/// The pause is as long as the shard has been empty (since the first empty page after records),
/// never shorter than `idlePoll` nor longer than the ceiling: `maxIdlePoll`, but never beyond the
/// batching window, and never below `idlePoll`. It so roughly doubles with each further empty
/// page. With the defaults (1 s idle poll, 2 s ceiling) a shard that stays empty costs one call
/// every 2 s rather than one a second, and its first new record is fetched at most 2 s late; the
/// batch it starts is still due a window after the record arrived (`RetrievalStateMachine`
/// dates it from the last page that did not have it). A window at or below `idlePoll` (the
/// real-time profile) turns the backoff off: the operator asked for records at once.
enum IdlePacing {
    static func pause(
        emptyFor idle: Duration, idlePoll: Duration, maxIdlePoll: Duration, batchingWindow: Duration
    ) -> Duration {
        let ceiling = max(idlePoll, min(maxIdlePoll, batchingWindow))
        return min(ceiling, max(idlePoll, idle))
    }
}
