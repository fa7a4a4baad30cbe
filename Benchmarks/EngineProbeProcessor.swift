import AWSDynamoDB
import Foundation
import StreamConsumer

/// What the engine benchmarks' processors saw, shared by every lane: a record count and, for the
/// lag run, per record the writer's `t` and the lag (seen time minus `t`), in nanoseconds.
final class EngineProbe: @unchecked Sendable {
    // `seen`, `lags` and `untimed` are guarded by `lock`.
    private let lock = NSLock()
    private var seen = 0
    private var lags: [(written: Int64, lag: Int64)] = []
    private var untimed = 0

    var count: Int { lock.withLock { seen } }
    var lagsNanoseconds: [(written: Int64, lag: Int64)] { lock.withLock { lags } }
    var recordsWithoutTimestamp: Int { lock.withLock { untimed } }

    func note(_ records: [StreamRecord], timed: Bool) {
        guard timed else {
            lock.withLock { seen += records.count }
            return
        }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let seenAt = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        let written = records.map { $0.newImage?["t"]?.n.flatMap { Int64($0) } }
        lock.withLock {
            seen += records.count
            for time in written {
                if let time { lags.append((time, seenAt - time)) } else { untimed += 1 }
            }
        }
    }
}

/// A processor that does no work beyond noting the records (the engine checkpoints for it).
final class EngineProbeProcessor: RecordProcessor {
    private let probe: EngineProbe
    private let timed: Bool

    init(probe: EngineProbe, timed: Bool) {
        self.probe = probe
        self.timed = timed
    }

    func initialize(_ input: InitializationInput) throws {}
    func process(_ batch: RecordBatch, checkpointer: Checkpointer) throws { probe.note(batch.records, timed: timed) }
    func leaseLost(_ input: LeaseLostInput) {}
    func shardEnded(_ input: ShardEndedInput) throws {}
    func shutdownRequested(_ input: ShutdownRequestedInput) throws {}
}

struct EngineProbeFactory: RecordProcessorFactory {
    let probe: EngineProbe
    let timed: Bool

    func makeProcessor(shardId: String, lane: Int, laneCount: Int) -> RecordProcessor {
        EngineProbeProcessor(probe: probe, timed: timed)
    }
}
