import AWSCore
import AWSDynamoDB
import CoreMetrics
import Foundation
import Logging

/// The consumer's top loop: lists shards, runs the `LeaseCoordinator`, and starts and stops one
/// `ShardConsumer` per held lease.
///
/// Threads of its own: the lease loop (create leases for new shards, take or steal, start
/// consumers, release ended shards), the shard sync loop (DescribeStream every
/// `shardSyncInterval` and at each shard end) and `leaseRenewers` lease renewers (each held lease
/// renewed every failover/3, each call bounded by failover×0.3, so no scan, take or other
/// renewal delays it; `LeaseRenewer`). Each gets its own client from the factories; so does
/// every shard consumer and lane.
///
/// Lifecycle: `init` → `start()` → (`update(_:)`, `status`)* → `shutdown(timeout:)`.
public final class ShardScheduler: @unchecked Sendable {
    // `lock` guards: tunables, consumers, pendingReleases, endedLaneKeys, graph,
    // graphGeneration, shuttingDown, running, retired, coordinator, threads, drained.
    let configuration: ConsumerConfiguration
    let processorFactory: RecordProcessorFactory
    let makeStreamsClient: @Sendable () -> DynamoDBStreamsAPI
    let makeLeaseStore: @Sendable () -> LeaseStore
    let makeRenewalStore: @Sendable (Duration) -> LeaseStore
    let destination: FailureDestination
    let clock: ConsumerClock
    let metrics: ConsumerMetrics
    let logger: Logger
    let onProgress: @Sendable (ConsumerComponent) -> Void

    let lock = NSLock()
    var tunables: ConsumerTunables
    var consumers: [String: ShardConsumer] = [:]
    var pendingReleases: [String: LeaseCheckpoint?] = [:]
    var endedLaneKeys: [String: [LaneKey]] = [:]
    var graph: ShardGraph?
    var graphGeneration = 0
    var shuttingDown = false
    var running = false
    var retired = (processed: 0, retries: 0, bisects: 0)
    var coordinator: LeaseCoordinator?
    /// Every shard of the stream has ended and been processed (see `streamDrained`).
    var drained = false
    var renewer: LeaseRenewer?
    let stopLoops: StopLatch
    let leaseLoopWake: Wakeup
    let syncLoopWake: Wakeup
    var loopsDone: [DispatchSemaphore] = []

    /// - Parameters:
    ///   - makeStreamsClient: builds one DynamoDB Streams client per thread that needs one.
    ///   - makeLeaseStore: builds one lease store per thread (e.g. a `LeaseTable` over a fresh
    ///     `DynamoDBClient`); an `InMemoryLeaseTable` may return itself.
    ///   - makeRenewalStore: builds the lease store of one renewer thread, whose every call must
    ///     end within the given time, retries included (the coordinator's `renewalDeadline`,
    ///     below failover/3); nil uses `makeLeaseStore`.
    ///   - metricsFactory: where metrics go; nil uses the global `MetricsSystem` factory.
    ///   - onProgress: called from the loops and consumers after each unit of progress (watchdog).
    public init(
        configuration: ConsumerConfiguration, processorFactory: RecordProcessorFactory,
        makeStreamsClient: @escaping @Sendable () -> DynamoDBStreamsAPI,
        makeLeaseStore: @escaping @Sendable () -> LeaseStore,
        makeRenewalStore: (@Sendable (Duration) -> LeaseStore)? = nil, failureDestination: FailureDestination,
        clock: ConsumerClock = SystemClock(), metricsFactory: MetricsFactory? = nil, logger: Logger,
        onProgress: @escaping @Sendable (ConsumerComponent) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.processorFactory = processorFactory
        self.makeStreamsClient = makeStreamsClient
        self.makeLeaseStore = makeLeaseStore
        self.makeRenewalStore = makeRenewalStore ?? { _ in makeLeaseStore() }
        self.destination = failureDestination
        self.clock = clock
        self.stopLoops = StopLatch(clock: clock)
        self.leaseLoopWake = Wakeup(clock: clock)
        self.syncLoopWake = Wakeup(clock: clock)
        self.metrics = ConsumerMetrics(factory: metricsFactory)
        var logger = logger
        logger[metadataKey: "stream.arn"] = "\(configuration.streamArn)"
        logger[metadataKey: "lease.owner"] = "\(configuration.workerId)"
        self.logger = logger
        self.onProgress = onProgress
        self.tunables = configuration.tunables
    }

    /// Validates the configuration, prepares the lease table (creating it when the store was
    /// told to) and starts the loops. Throws `ConsumerError` or the store's error; nothing runs
    /// then.
    public func start() throws {
        let problems = configuration.problems()
        guard problems.isEmpty else {
            throw ConsumerError(.invalidConfiguration, problems.joined(separator: "; "))
        }
        guard lock.withLock({ self.coordinator == nil }) else {
            throw ConsumerError(.invalidConfiguration, "a scheduler starts once; make a new one to start again")
        }
        let store = makeLeaseStore()
        try store.prepare()
        let coordinator = LeaseCoordinator(
            workerId: configuration.workerId, failoverTime: configuration.failoverTime, store: store, clock: clock,
            metrics: metrics, logger: logger, streamArn: configuration.streamArn, wakeGrid: configuration.wakeGrid,
            heartbeat: configuration.workerHeartbeat)
        let deadline = coordinator.renewalDeadline
        let renewer = LeaseRenewer(
            coordinator: coordinator, threads: configuration.leaseRenewers,
            makeStore: { [makeRenewalStore] in makeRenewalStore(deadline) }, clock: clock, stop: stopLoops,
            checkpoint: { [weak self] shardId in
                guard let self else { return nil }
                return lock.withLock { consumers[shardId] }?.lowestCheckpoint
            },
            onLost: { [weak self] lost in self?.leasesLost(lost) },
            onConfirmed: { [weak self] confirmed in self?.leasesConfirmed(confirmed) })
        lock.withLock {
            self.coordinator = coordinator
            self.renewer = renewer
            running = true
        }
        startThread(name: "zael.shard-sync") { [self] in shardSyncLoop() }
        startThread(name: "zael.lease-loop") { [self] in leaseLoop(coordinator) }
        for _ in 0..<renewer.threads {
            startThread(name: "zael.lease-renew") { renewer.run() }
        }
        logger.info("shard scheduler started", metadata: ["failover": "\(configuration.failoverTime)"])
    }

    /// Changes the run-time settings; each shard applies them at its next batch.
    /// Throws `ConsumerError.invalidConfiguration` (and changes nothing) when they are invalid.
    public func update(_ tunables: ConsumerTunables) throws {
        let problems = tunables.problems()
        guard problems.isEmpty else {
            throw ConsumerError(.invalidConfiguration, problems.joined(separator: "; "))
        }
        lock.withLock { self.tunables = tunables }
        logger.info("consumer settings updated")
    }

    /// Whether the stream is used up: the last shard listing showed every shard closed, and the
    /// lease table every one of them at SHARD_END (or never leased, as a closed shard is under
    /// LATEST), whichever worker processed it, with no consumer of ours still running. Only a
    /// stream that was turned off (or replaced by a new one) gets there; once drained it stays
    /// so, and the scheduler creates no more leases for it. The daemon then stops this scheduler
    /// and follows the table's new stream.
    public var streamDrained: Bool { lock.withLock { drained } }

    /// The settings in force now.
    public var currentTunables: ConsumerTunables { lock.withLock { tunables } }

    /// Graceful shutdown, blocking: consumers stop fetching, finish or abandon their batch,
    /// checkpoint every lane; then the loops stop and every held lease is released (leaseOwner
    /// cleared, checkpoint stored) so other workers take over at once. Consumers still busy
    /// after `timeout` are left behind; their leases are released anyway (their fenced writes
    /// fail once another worker claims the lanes).
    public func shutdown(timeout: Duration = .seconds(30)) {
        let (active, wasRunning) = lock.withLock { () -> ([ShardConsumer], Bool) in
            shuttingDown = true
            return (Array(consumers.values), running)
        }
        guard wasRunning else { return }
        logger.info("shard scheduler shutting down", metadata: ["consumers": "\(active.count)"])
        for consumer in active { consumer.requestShutdown() }
        let deadline = clock.now() + timeout
        for consumer in active where !consumer.waitUntilStopped(timeout: max(.zero, deadline - clock.now())) {
            logger.warning("shard consumer did not stop in time", metadata: ["shard.id": "\(consumer.shardId)"])
        }
        stopAndJoinLoops()
        if let coordinator = lock.withLock({ coordinator }) {
            processReleases(coordinator)
            for lease in coordinator.heldLeases {
                coordinator.release(shardId: lease.shardId, checkpoint: nil)
            }
        }
        lock.withLock { running = false }
        logger.info("shard scheduler stopped")
    }

    /// Stops everything without writing anything more, as if the process died (for tests).
    func simulateCrash() {
        let active = lock.withLock { () -> [ShardConsumer] in
            shuttingDown = true
            return Array(consumers.values)
        }
        stopAndJoinLoops()
        for consumer in active { consumer.leaseLost() }
        for consumer in active { _ = consumer.waitUntilStopped(timeout: .seconds(10)) }
        lock.withLock { running = false }
    }

    private func stopAndJoinLoops() {
        stopLoops.fire()
        leaseLoopWake.wake()
        syncLoopWake.wake()
        lock.withLock { renewer }?.wake()
        for done in lock.withLock({ loopsDone }) {
            done.wait()
            done.signal()
        }
    }

    private func startThread(name: String, _ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        lock.withLock { loopsDone.append(done) }
        let thread = Thread {
            body()
            done.signal()
        }
        thread.name = name
        thread.start()
    }
}
