/// How long a caught-up shard waits after an empty GetRecords page.
///
/// The pause is as long as the shard has been empty (since the first empty page after records),
/// never shorter than `idlePoll` nor longer than the batching window (or `idlePoll` when that is
/// longer): so it roughly doubles with each further empty page. A shard that stays empty then
/// costs one call per window rather than one per `idlePoll` (64 idle shards with the defaults:
/// 13 calls a second instead of 64), and its first new record is fetched at most one window
/// late: the delay the operator already accepts before a batch is delivered. A shard with
/// traffic keeps the `idlePoll` pace (an empty page right after records waits `idlePoll`), and
/// with a window at or below `idlePoll` (a low-latency profile) nothing changes.
enum IdlePacing {
    static func pause(emptyFor idle: Duration, idlePoll: Duration, batchingWindow: Duration) -> Duration {
        min(max(idlePoll, batchingWindow), max(idlePoll, idle))
    }
}
