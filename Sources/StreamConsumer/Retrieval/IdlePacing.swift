/// How long a caught-up shard waits after an empty GetRecords page.
///
/// The first empty page in a row waits `idlePoll`; each further one doubles the pause, up to the
/// batching window (never below `idlePoll`). A shard that stays empty then costs one call per
/// window rather than one per `idlePoll` (64 idle shards with the defaults: 13 calls a second
/// instead of 64), and its first new record is fetched at most one window late: the delay the
/// operator already accepts before a batch is delivered. With a window at or below `idlePoll`
/// (a low-latency profile) the pause stays `idlePoll`. Any non-empty page starts over.
enum IdlePacing {
    static func pause(afterEmptyPages count: Int, idlePoll: Duration, batchingWindow: Duration) -> Duration {
        let cap = max(idlePoll, batchingWindow)
        let doublings = min(max(count - 1, 0), 20)
        return min(idlePoll * (1 << doublings), cap)
    }
}
