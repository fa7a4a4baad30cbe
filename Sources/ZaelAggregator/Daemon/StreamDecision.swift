/// What the daemon does about the table's stream after one look at it: a pure function of the
/// stream being consumed, the pin (`table.stream_arn`), DescribeTable's answer and whether the
/// consumed stream is drained. `StreamSupervisor` performs it.
///
/// ```
///   waiting ──consume──► consuming ──(table moved on)──► draining ──(drained)──► switch / wait
///      ▲                                                                            │
///      └────────────────────────────────────────────────────────────────────────────┘
/// ```
enum StreamDecision: Equatable, Sendable {
    /// Nothing is consumed: start consuming this stream.
    case consume(String)
    /// The consumed stream is still the table's: carry on.
    case keep
    /// The table moved on (new stream, or streams off) but the consumed stream still has shards
    /// not at SHARD_END: keep consuming it. The text says what the table did.
    case drain(String)
    /// The consumed stream is drained and the table has a new usable stream: stop the old
    /// scheduler, start one on the new stream from TRIM_HORIZON.
    case switchTo(String)
    /// The consumed stream is drained and there is nothing to follow: stop and wait, saying why.
    case stopAndWait(String)
    /// Nothing is consumed and nothing can be: wait, saying why.
    case wait(String)

    /// The view type usage snapshots need: both images carry the `tc` counters.
    static let requiredViewType = "NEW_AND_OLD_IMAGES"

    /// The table's stream as DescribeTable shows it.
    struct TableStream: Equatable, Sendable {
        var table: String
        var enabled: Bool
        var latestArn: String?
        var viewType: String?

        /// Why the table's latest stream cannot feed snapshots; nil when it can.
        var problem: String? {
            guard enabled, latestArn != nil else {
                return "table \(table) has no stream enabled (enable \(StreamDecision.requiredViewType))"
            }
            if let viewType, viewType != StreamDecision.requiredViewType {
                return "table \(table)'s stream has view type \(viewType); usage snapshots need "
                    + "\(StreamDecision.requiredViewType) (turn the stream off and on again with it)"
            }
            return nil
        }
    }

    /// - Parameters:
    ///   - current: the stream being consumed; nil while waiting.
    ///   - finished: the last stream drained and stopped (a pinned stream is never consumed twice).
    ///   - pinned: `table.stream_arn`; the daemon then never follows another stream.
    ///   - drained: whether `current` is drained (`ShardScheduler.streamDrained`).
    static func decide(
        current: String?, finished: String?, pinned: String?, table: TableStream, drained: Bool
    ) -> StreamDecision {
        guard let current else {
            if let pinned {
                guard pinned != finished else {
                    return .wait("pinned stream \(pinned) has ended; \(table.moved(from: pinned))")
                }
                return .consume(pinned)
            }
            if let problem = table.problem { return .wait(problem) }
            guard let latest = table.latestArn, latest != finished else {
                return .wait("table \(table.table) has no stream enabled (enable \(requiredViewType))")
            }
            return .consume(latest)
        }
        if table.enabled && table.latestArn == current { return .keep }
        let moved = table.moved(from: current)
        guard drained else { return .drain(moved) }
        if pinned != nil { return .stopAndWait("pinned stream \(current) has ended; \(moved)") }
        if let problem = table.problem { return .stopAndWait(problem) }
        guard let latest = table.latestArn, latest != current else {
            return .stopAndWait("table \(table.table) has no stream enabled (enable \(requiredViewType))")
        }
        return .switchTo(latest)
    }
}

extension StreamDecision.TableStream {
    /// "table T now has stream X" or "table T has no stream enabled", for logs and status.
    func moved(from stream: String) -> String {
        guard enabled, let latestArn else { return "table \(table) has no stream enabled" }
        return latestArn == stream
            ? "table \(table) still names it" : "table \(table) now has stream \(latestArn)"
    }
}
