import AWSCore
import AWSDynamoDB
import Dispatch
import Foundation
import Logging

/// Consumes one leased shard on its own serial queue: waits for the parents, claims the lanes,
/// fetches, batches, processes lanes in parallel, checkpoints, and stops at shard end, lease
/// loss or shutdown (see `StateMachine` for the lifecycle).
public final class ShardConsumer: @unchecked Sendable {
    // Fields are split by owner:
    // - `lock` guards `pendingLeaseLost`, `pendingShutdown`, `snapshot`.
    // - everything marked "queue" is touched only by `queue` (the run loop), and by lane
    //   queues only through `Lane` while the run loop waits for them.

    /// What a consumer needs from its scheduler; values and thread-safe closures.
    struct Dependencies: Sendable {
        var streamArn: String
        var workerId: String
        var processorFactory: RecordProcessorFactory
        var makeStreamsClient: @Sendable () -> DynamoDBStreamsAPI
        var makeLeaseStore: @Sendable () -> LeaseStore
        var destination: FailureDestination
        var metrics: ConsumerMetrics
        var clock: ConsumerClock
        var logger: Logger
        var filter: RecordFilter
        var idleLaneCheckpointInterval: Duration
        var tunables: @Sendable () -> ConsumerTunables
        /// Where idle pauses snap to (`WakeGrid`); nil: no snapping.
        var wakeGrid: WakeGrid? = nil
        /// Whether every parent that still has a lease is at SHARD_END.
        var parentsEnded: @Sendable ([String]) -> Bool
        /// Whether the shard's lease is confirmed (renewed within the failover time); while it is
        /// not, the consumer starts no step that processes or writes (`leaseConfirmed()` wakes it).
        var leaseConfirmed: @Sendable (String) -> Bool = { _ in true }
        var onProgress: @Sendable (ConsumerComponent) -> Void
    }

    /// What the status shows of a consumer.
    struct Snapshot: Sendable {
        var state = "waitingForParents"
        var lowestCheckpoint: LeaseCheckpoint?
        var iteratorAge: Duration?
        var processed = 0
        var retries = 0
        var bisects = 0
        var recordsPerSecond = 0.0
        var lastError: String?
        /// When `lastError` happened (the consumer clock), so the status can tell a fresh error
        /// from one the shard has long recovered from.
        var lastErrorAt: Duration?
        /// Lanes throttled or halted right now, by lane index.
        var laneConditions: [Int: LaneCondition] = [:]

        /// The shard's condition: halted wins over throttled (an operator must act), then the oldest.
        var condition: LaneCondition? {
            laneConditions.values.min { lhs, rhs in
                lhs.kind != rhs.kind ? lhs.kind == .halted : lhs.since < rhs.since
            }
        }
    }

    public let shardId: String
    let dependencies: Dependencies
    let queue: DispatchQueue
    let stop: StopLatch
    /// Ends a pause for an unconfirmed lease early (confirmed again, lost, or shutdown).
    private let resume: Wakeup
    let logger: Logger
    private let onStopped: @Sendable (ShardConsumer, ShutdownReason, LeaseCheckpoint?) -> Void
    private let done = DispatchSemaphore(value: 0)

    private let lock = NSLock()
    private var pendingLeaseLost = false
    private var pendingShutdown = false
    private var snapshot = Snapshot()

    var lease: Lease  // queue
    let claim: Int
    var machine = StateMachine()  // queue
    var store: LeaseStore?  // queue
    var lanes: [Lane] = []  // queue
    /// How many lanes there are and, while a lane count change settles, the old lanes'
    /// checkpoints that still filter records. Always describes `lanes` (set with them).
    var laneSet = LaneSet(count: 0)  // queue
    var fetcher: RecordFetcher?  // queue
    /// Fetching, pacing and batching decisions.
    var retrieval: RetrievalStateMachine  // queue
    /// Failed initializations and steps in a row (their backoff attempt).
    var failures = 0  // queue
    var rateWindow: (start: Duration, processed: Int) = (.zero, 0)  // queue
    /// Lane items to delete once the lease is released at SHARD_END (set by `endShard`).
    var endedLaneKeys: [LaneKey] = []  // queue, then read by `onStopped` on the queue

    init(
        lease: Lease, dependencies: Dependencies,
        onStopped: @escaping @Sendable (ShardConsumer, ShutdownReason, LeaseCheckpoint?) -> Void
    ) {
        self.shardId = lease.shardId
        self.lease = lease
        self.claim = lease.claimedAt ?? lease.counter
        self.dependencies = dependencies
        // The defaults until the first step reads the tunables (the scheduler calls this
        // initializer under its lock, which `tunables()` takes too).
        self.retrieval = RetrievalStateMachine(settings: .init(ConsumerTunables()))
        self.stop = StopLatch(clock: dependencies.clock)
        self.resume = Wakeup(clock: dependencies.clock)
        self.onStopped = onStopped
        self.queue = DispatchQueue(label: "zael.shard.\(lease.shardId)")
        var logger = dependencies.logger
        logger[metadataKey: "shard.id"] = "\(lease.shardId)"
        self.logger = logger
    }

    /// Starts the run loop on the consumer's queue.
    func start() {
        queue.async { self.run() }
    }

    /// Asks for a graceful stop: the current batch finishes (retries are abandoned), lanes are
    /// checkpointed, processors get `shutdownRequested`.
    func requestShutdown() {
        lock.withLock { pendingShutdown = true }
        stop.fire()
        resume.wake()
    }

    /// Tells the consumer its lease is gone: it stops without writing.
    func leaseLost() {
        lock.withLock { pendingLeaseLost = true }
        stop.fire()
        resume.wake()
    }

    /// Tells the consumer its lapsed lease was confirmed again: a pause ends now rather than at
    /// its next look.
    func leaseConfirmed() {
        resume.wake()
    }

    /// Blocks until the run loop ended or `timeout` passed; true when it ended.
    func waitUntilStopped(timeout: Duration) -> Bool {
        let ended = done.wait(timeout: .now() + timeout.seconds) == .success
        if ended { done.signal() }
        return ended
    }

    var status: Snapshot { lock.withLock { snapshot } }

    /// The checkpoint to store on the lease item at renewal: the lowest lane checkpoint.
    var lowestCheckpoint: LeaseCheckpoint? { lock.withLock { snapshot.lowestCheckpoint } }

    func publish(_ change: (inout Snapshot) -> Void) {
        lock.withLock { change(&snapshot) }
    }

    // MARK: - Run loop

    private func run() {
        var action = machine.handle(.started(hasLeasedParents: !lease.parentShardIds.isEmpty))
        var seenLeaseLost = false
        var seenShutdown = false
        var wasPaused = false
        // The state's text is built by reflection, which an idle shard would pay on every poll:
        // publish it only when it changes.
        var publishedState: StateMachine.State?
        var publishedPaused = false
        while true {
            let (leaseLost, shutdown) = lock.withLock { (pendingLeaseLost, pendingShutdown) }
            if leaseLost && !seenLeaseLost {
                seenLeaseLost = true
                action = machine.handle(.leaseLost)
            }
            if shutdown && !seenShutdown {
                seenShutdown = true
                action = machine.handle(.shutdownRequested)
            }
            // While the lease is unconfirmed, others may take the shard by their clocks: start
            // nothing that processes or writes (the lanes' fences would refuse writes after a
            // take anyway), but keep the state, so the shard goes on where it stood.
            let paused = action.needsConfirmedLease && !dependencies.leaseConfirmed(shardId)
            if publishedState != machine.state || publishedPaused != paused {
                publishedState = machine.state
                publishedPaused = paused
                publish { $0.state = paused ? Self.unconfirmedState : "\(machine.state)" }
            }
            dependencies.onProgress(.shardConsumer(shardId: shardId))
            if paused {
                if !wasPaused { logger.debug("shard paused: its lease is unconfirmed") }
                wasPaused = true
                resume.wait(Self.unconfirmedRecheck)
                continue
            }
            if wasPaused { logger.debug("shard resumed: its lease is confirmed") }
            wasPaused = false
            switch action {
            case .checkParents:
                let ended = dependencies.parentsEnded(lease.parentShardIds)
                if !ended { stop.wait(.milliseconds(200)) }
                action = machine.handle(.parentsChecked(allEnded: ended))
            case .initialize:
                do {
                    let atShardEnd = try initialize()
                    failures = 0
                    action = machine.handle(.initialized(atShardEnd: atShardEnd))
                } catch is LeaseLostError {
                    action = machine.handle(.leaseLost)
                } catch {
                    noteError(error)
                    failures += 1
                    stop.wait(Backoff(base: .milliseconds(100), cap: .seconds(5)).delay(attempt: failures))
                    action = machine.handle(.initializationFailed)
                }
            case .processBatch:
                do {
                    let reachedShardEnd = try step()
                    failures = 0
                    action = machine.handle(.batchProcessed(reachedShardEnd: reachedShardEnd))
                } catch is LeaseLostError {
                    action = machine.handle(.leaseLost)
                } catch {
                    // A lease table write failed after its retries: try the step again later.
                    pauseAfter(error)
                }
            case .endShard:
                do {
                    try endShard()
                    action = machine.handle(.shardEndCheckpointed)
                } catch is LeaseLostError {
                    action = machine.handle(.leaseLost)
                } catch {
                    pauseAfter(error)
                }
            case .shutDown:
                shutDown()
                action = machine.handle(.shutdownCompleted)
            case .notifyLeaseLost:
                for lane in lanes { lane.processor.leaseLost(LeaseLostInput(shardId: shardId)) }
                action = machine.handle(.leaseLostNotified)
            case .finish(let reason):
                publish { $0.state = "stopped(\(reason.rawValue))" }
                dependencies.metrics.forgetShard(shardId)
                dependencies.onProgress(.shardConsumerStopped(shardId: shardId))
                logger.info("shard consumer stopped", metadata: ["reason": "\(reason.rawValue)"])
                let checkpoint: LeaseCheckpoint? = reason == .leaseLost ? nil : lowestCheckpoint
                onStopped(self, reason, checkpoint)
                done.signal()
                return
            }
        }
    }

    /// The state the status shows while the lease is unconfirmed and the shard paused.
    static let unconfirmedState = "leaseUnconfirmed"

    /// How often a paused consumer looks at its lease without a wake-up (a safety net; the
    /// renewer wakes it when a renewal confirms the lease).
    static let unconfirmedRecheck = Duration.seconds(1)

    /// Highest sequence number of the last fully processed batch.
    var lastProcessed: SequenceNumber? { retrieval.lastProcessed }

    private func pauseAfter(_ error: Error) {
        noteError(error)
        failures += 1
        stop.wait(Backoff(base: .milliseconds(100), cap: .seconds(5)).delay(attempt: failures))
    }

    func noteError(_ error: Error) {
        logger.warning("shard consumer error", metadata: ["error": "\(error)"])
        let now = dependencies.clock.now()
        publish {
            $0.lastError = "\(error)"
            $0.lastErrorAt = now
        }
    }
}
