import Foundation
import Logging
import StreamConsumer

/// Keeps the daemon on the table's stream: starts the shard scheduler when a usable stream
/// exists, waits loudly while there is none, notices the table's stream changing (turned off,
/// or off and on again: a new `LatestStreamArn`), drains the old stream and then follows the new
/// one from TRIM_HORIZON. `StreamDecision` decides; this performs.
///
/// Driven by the daemon's main thread (`begin`, `tick`, `update`, `shutdown`); `status` and
/// `note` are read by the status socket's thread too. `lock` guards `scheduler`, `current`,
/// `finished` and `text`; the timers are the main thread's alone.
final class StreamSupervisor: @unchecked Sendable {
    /// How often the table is described while a stream is consumed.
    let checkInterval: Duration
    /// How often the table is described while waiting for a stream.
    let waitCheckInterval: Duration
    /// How often the waiting warning is logged again.
    let warningInterval: Duration
    private let table: String
    private let pinned: String?
    private let describe: () throws -> StreamDecision.TableStream
    private let makeScheduler: (_ arn: String, _ fromTrimHorizon: Bool) -> ShardScheduler
    private let onSchedulerStopped: () -> Void
    private let logger: Logger

    private let lock = NSLock()
    private var scheduler: ShardScheduler?
    private var current: String?
    private var finished: String?
    private var text: String?
    // Main thread only.
    private var nextCheck = ContinuousClock.now
    private var nextWarning = ContinuousClock.now
    private var firstLook = true
    /// The table was described since the running scheduler reported its stream drained.
    private var checkedDrained = false
    private var movedNote: String?

    /// - Parameters:
    ///   - describe: DescribeTable, reduced to what `StreamDecision` needs (throws AWS errors).
    ///   - makeScheduler: a scheduler for a stream, not started; `fromTrimHorizon` overrides the
    ///     configured starting position (every stream after the first one found).
    ///   - onSchedulerStopped: called after a scheduler was shut down (the watchdog forgets its loops).
    init(
        table: String, pinned: String?, checkInterval: Duration = .seconds(60),
        waitCheckInterval: Duration = .seconds(10), warningInterval: Duration = .seconds(60), logger: Logger,
        describe: @escaping () throws -> StreamDecision.TableStream,
        makeScheduler: @escaping (String, Bool) -> ShardScheduler, onSchedulerStopped: @escaping () -> Void
    ) {
        self.table = table
        self.pinned = pinned
        self.checkInterval = checkInterval
        self.waitCheckInterval = waitCheckInterval
        self.warningInterval = warningInterval
        self.logger = logger
        self.describe = describe
        self.makeScheduler = makeScheduler
        self.onSchedulerStopped = onSchedulerStopped
    }

    /// Acts on the first look at the table (`view`, described at start-up): starts a scheduler or
    /// begins waiting. Lease-table errors are thrown (the daemon retries them as start-up steps).
    func begin(_ view: StreamDecision.TableStream) throws {
        try apply(decision(drained: false, table: view))
        firstLook = false
    }

    /// One step of the main loop (every few seconds): describes the table when due, and at once
    /// when the consumed stream turns out drained (every shard ended: the stream was turned off),
    /// and acts on the answer. AWS errors are logged and tried again at the next check; the
    /// daemon keeps running.
    func tick(now: ContinuousClock.Instant = .now) {
        let (running, drained) = lock.withLock { (scheduler, scheduler?.streamDrained ?? false) }
        if running == nil && now >= nextWarning, let text = lock.withLock({ self.text }) {
            logger.warning("\(text)")
            nextWarning = now + warningInterval
        }
        guard now >= nextCheck || (drained && !checkedDrained) else { return }
        if drained { checkedDrained = true }
        do {
            try apply(decision(drained: drained, table: describe()))
        } catch {
            logger.warning("cannot check the table's stream; trying again later", metadata: ["error": "\(error)"])
        }
        // After the step: a scheduler stopped by it leaves the daemon waiting, which looks sooner.
        nextCheck = now + (lock.withLock { scheduler } == nil ? waitCheckInterval : checkInterval)
    }

    /// The consumer's status; nil while no stream is consumed.
    var status: ConsumerStatus? { lock.withLock { scheduler }?.status }

    /// A line on the stream (waiting, draining); nil while consuming the table's current stream.
    var note: String? { lock.withLock { text } }

    /// The stream being consumed, if any.
    var streamArn: String? { lock.withLock { current } }

    /// Passes reloaded settings to the running scheduler (new schedulers are built from the
    /// configuration in force). Throws the scheduler's refusal.
    func update(_ tunables: ConsumerTunables) throws {
        try lock.withLock { scheduler }?.update(tunables)
    }

    /// Stops the running scheduler with `stop` (the daemon's graceful stop); nothing when waiting.
    func shutdown(_ stop: (ShardScheduler) -> Void) {
        guard let scheduler = lock.withLock({ scheduler }) else { return }
        stop(scheduler)
    }

    private func decision(drained: Bool, table view: StreamDecision.TableStream) -> StreamDecision {
        let (current, finished) = lock.withLock { (self.current, self.finished) }
        return StreamDecision.decide(
            current: current, finished: finished, pinned: pinned, table: view, drained: drained)
    }

    private func apply(_ decision: StreamDecision) throws {
        switch decision {
        case .keep:
            if movedNote != nil {
                logger.info("the table names the consumed stream again")
                movedNote = nil
                lock.withLock { text = nil }
            }
        case .consume(let arn):
            try start(arn)
        case .drain(let moved):
            if movedNote != moved {
                logger.warning(
                    "the table's stream changed: draining the old stream before following",
                    metadata: ["stream.arn": "\(streamArn ?? "")", "table.now": "\(moved)"])
                movedNote = moved
            }
            lock.withLock { text = "draining stream \(current ?? ""): \(moved)" }
        case .switchTo(let arn):
            stopCurrent()
            logger.info("following the table's new stream from TRIM_HORIZON", metadata: ["stream.arn": "\(arn)"])
            try start(arn)
        case .stopAndWait(let reason):
            stopCurrent()
            wait(reason)
        case .wait(let reason):
            wait(reason)
        }
    }

    private func start(_ arn: String) throws {
        // Only the stream found at start-up reads from the configured position: one that
        // appears later (or replaces a drained one) is read whole, since records written before
        // the daemon noticed it are part of what the Lambda would have seen.
        let scheduler = makeScheduler(arn, !firstLook)
        try scheduler.start()
        checkedDrained = false
        movedNote = nil
        lock.withLock {
            self.scheduler = scheduler
            current = arn
            text = nil
        }
        logger.info("consuming stream", metadata: ["stream.arn": "\(arn)"])
    }

    private func stopCurrent() {
        guard let scheduler = lock.withLock({ scheduler }) else { return }
        scheduler.shutdown(timeout: .seconds(30))
        onSchedulerStopped()
        let ended = lock.withLock { () -> String? in
            finished = current
            current = nil
            self.scheduler = nil
            return finished
        }
        movedNote = nil
        logger.info("stopped consuming the drained stream", metadata: ["stream.arn": "\(ended ?? "")"])
    }

    private func wait(_ reason: String) {
        let line = "waiting: \(reason)"
        let changed = lock.withLock { () -> Bool in
            defer { text = line }
            return text != line
        }
        // A new reason is news at once; the same one is repeated every `warningInterval` by `tick`.
        if changed {
            logger.warning("\(line)")
            nextWarning = .now + warningInterval
        }
    }
}
