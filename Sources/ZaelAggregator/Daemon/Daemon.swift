import AWSCore
import AWSDynamoDB
import AWSS3
import Foundation
import Logging
import Metrics
import Observability
import StreamConsumer
import SystemdSupport
import ZaeLimiter

/// The long-running service behind `zael-aggregator run`.
///
/// `run()` owns the lifecycle:
/// 1. start-up: AWS environment, the table's schema version, the stream (DescribeTable; a pinned
///    stream's DescribeStream); transient AWS errors are retried for up to a minute with `STATUS=`
///    kept current. A table without a usable stream is not an error: the daemon waits for one;
/// 2. the services, as one `DaemonLifecycle` list started in order: metrics, EMF, the stream's
///    shard scheduler (the `StreamSupervisor`'s; it prepares the lease table), the status socket,
///    `READY=1` (before any stream exists, if none does yet), the watchdog (per-shard liveness),
///    the signal watcher; then, every few seconds, `STATUS=` and the supervisor's step (the
///    table's stream re-checked now and then, followed when it changes);
/// 3. SIGHUP: `RELOADING=1`, reload the file, apply what can change live, log the rest, `READY=1`
///    (`ReloadPlan` decides; a refused reload is one error line and changes nothing);
/// 4. SIGTERM/SIGINT: the services stopped in reverse order, `STOPPING=1` before the drain
///    (finish or abandon batches, checkpoint, release leases; timed by `ShutdownPolicy`), return;
///    a second signal exits at once.
struct Daemon {
    var configuration: AggregatorConfiguration
    var context: DaemonContext

    func run() throws(DaemonError) {
        do {
            try runThrowing()
        } catch let error as DaemonError {
            throw error
        } catch {
            throw DaemonError.classify(error)
        }
    }

    private func runThrowing() throws {
        let logger = context.logger
        let notifier = context.notifier
        let status = { (text: String) in _ = try? notifier.notify(.status(text)) }
        let startedAt = Date()
        let started = ContinuousClock.now

        // Metrics first, so the AWS clients' retry hooks count from the first call.
        let metrics = PrometheusMetricsFactory(help: MetricCatalogue.help)
        MetricsSystem.bootstrap(metrics)
        status("resolving AWS credentials and region")
        let aws = try AWSEnvironment(
            configuration: configuration, environment: ProcessInfo.processInfo.environment, logger: logger,
            callMetrics: AWSCallMetrics(factory: metrics))
        let credentials = try StartupRetry.run("resolve credentials", logger: logger, status: status) {
            try aws.credentials.credentials()
        }
        logger.info(
            "AWS ready",
            metadata: [
                "aws.region": "\(aws.region)", "aws.endpoint": "\(SecretMasking.mask("\(aws.dynamoDBEndpoint)"))",
                "credentials.source": "\(credentials.source)",
            ])

        let dynamoDB = aws.makeDynamoDB()
        let streams = aws.makeStreams()
        status("describing table \(configuration.table.name)")
        let firstLook = try StartupRetry.run("describe the stream", logger: logger, status: status) {
            let view = try StreamLocator.tableStream(table: configuration.table.name, dynamoDB: dynamoDB)
            if let pinned = configuration.table.streamARN { try StreamLocator.checkPinned(pinned, streams: streams) }
            return view
        }
        try StartupRetry.run("check the schema version", logger: logger, status: status) {
            _ = try SchemaVersionCheck(
                tableName: configuration.table.name, override: configuration.aggregation.allowUnknownSchema
            ).run(client: dynamoDB, logger: logger)
        }

        let metricsServer = try configuration.metrics.listen.map {
            try MetricsHTTPServer(listen: $0, logger: logger) {
                aws.syncCredentialMetrics()
                return PrometheusTextRenderer.render(metrics.snapshot())
            }
        }
        let emf = configuration.metrics.emfFile.map {
            EMFWriter(
                path: $0, streamName: configuration.table.name, metrics: metrics, sources: MetricCatalogue.emfSources,
                logger: logger)
        }

        if let bucket = configuration.archival.bucket {
            logger.info(
                "audit archival on",
                metadata: [
                    "s3.bucket": "\(bucket)", "s3.prefix": "\(configuration.archival.prefix)",
                    "s3.endpoint": "\(aws.s3EndpointOverride.map { SecretMasking.mask("\($0)") } ?? "AWS")",
                ])
        }
        let failureDestination = try SpoolFileDestination(
            path: configuration.consumer.onFailureSpool, maxBytes: configuration.consumer.onFailureSpoolMaxMiB << 20,
            metricsFactory: metrics)
        let health = DaemonHealth(deadline: context.watchdogInterval ?? .seconds(30))
        let state = DaemonState(configuration: configuration)
        let makeScheduler = { [configuration] (streamArn: String, fromTrimHorizon: Bool) -> ShardScheduler in
            // The configuration in force: a reload's new settings apply to a later stream's
            // scheduler too.
            var consumer = state.configuration.consumerConfiguration(streamArn: streamArn)
            if fromTrimHorizon { consumer.startingPosition = .trimHorizon }
            return ShardScheduler(
                configuration: consumer,
                // The clients retry throttled and failed calls themselves. In exactly-once delivery
                // that is safe: every transaction carries the lane's checkpoint fence, so a resent
                // transaction whose first try committed fails the fence, and the engine re-reads the
                // lane and adopts the committed checkpoint instead of applying anything twice.
                processorFactory: UsageAggregatorFactory(
                    settings: configuration.aggregationSettings, logger: logger,
                    // Each attempt of a lane's calls counts as its shard's liveness, so a lane inside a
                    // long throttled call is not taken for a wedged one; a call that never returns
                    // still silences it.
                    makeClient: { shardId, _ in aws.makeDynamoDB(onAttempt: { health.alive(shardId: shardId) }) },
                    makeRejectionHandler: { shardId, lane in
                        RejectionSpool(
                            destination: failureDestination, streamArn: streamArn, shardId: shardId, lane: lane)
                    },
                    makeDuties: { [configuration] shardId, _ in
                        // The Lambda's order: bucket maintenance, then audit archival. Clients are
                        // per lane (used by one thread at a time) and report liveness like the lane's.
                        let alive: @Sendable () -> Void = { health.alive(shardId: shardId) }
                        var duties = BucketDuties.make(
                            client: aws.makeDynamoDB(onAttempt: alive), tableName: configuration.table.name,
                            state: state,
                            logger: logger)
                        if let bucket = configuration.archival.bucket {
                            let store = S3AuditArchiveStore(
                                bucket: bucket, client: aws.makeS3(configuration.archival, onAttempt: alive))
                            duties.append(
                                AuditArchivalDuty(store: store, prefix: configuration.archival.prefix, logger: logger))
                        }
                        return duties
                    }),
                makeStreamsClient: { aws.makeStreams() },
                makeLeaseStore: { [configuration] in
                    LeaseTable(
                        client: aws.makeDynamoDB(), tableName: configuration.leases.table,
                        createIfMissing: configuration.leases.createTable)
                },
                makeRenewalStore: { [configuration] callTimeLimit in
                    LeaseTable(
                        client: aws.makeDynamoDB(callTimeLimit: callTimeLimit), tableName: configuration.leases.table,
                        createIfMissing: false)
                },
                failureDestination: failureDestination, logger: logger,
                onProgress: { health.report($0) })
        }
        let supervisor = StreamSupervisor(
            table: configuration.table.name, pinned: configuration.table.streamARN, logger: logger,
            describe: { try StreamLocator.tableStream(table: configuration.table.name, dynamoDB: dynamoDB) },
            makeScheduler: makeScheduler, onSchedulerStopped: { health.schedulerStopped() })
        let reporter = DaemonStatus(
            workerId: configuration.leases.workerID, startedAt: startedAt, started: started, metrics: metrics)
        let line = { DaemonStatus.line(supervisor.status, note: supervisor.note) }
        let watchdog = context.watchdogInterval.map {
            WatchdogService(interval: $0, notifier: notifier, monitor: health.monitor, logger: logger)
        }
        let events = DaemonEvents()
        let policy = ShutdownPolicy.standard
        var statusServer: StatusServer?
        var signals: SignalWatcher?
        var secondSignals: SignalWatcher?
        // Started in this order, stopped in reverse: the status socket appears once the scheduler
        // runs (tests and tools wait for it), READY=1 follows, signals are taken over last (until
        // then SIGTERM ends the start-up at once) and given back first; EMF and metrics outlast
        // the drain.
        var lifecycle = DaemonLifecycle([
            DaemonService("metrics", start: { metricsServer?.start() }, stop: { metricsServer?.stop() }),
            DaemonService("emf", start: { emf?.start() }, stop: { emf?.stop() }),
            DaemonService(
                "scheduler",
                start: {
                    status("preparing lease table \(configuration.leases.table)")
                    try StartupRetry.run("start the shard scheduler", logger: logger, status: status) {
                        try supervisor.begin(firstLook)
                    }
                },
                stop: {
                    // The drain destroys each released shard's iterator-age gauge: report the ages
                    // while the shards are still held; EMF's own stop, after the drain, has the counts.
                    _ = try? emf?.flush()
                    supervisor.shutdown { scheduler in
                        policy.drain(
                            stop: { scheduler.shutdown(timeout: $0) },
                            abort: {
                                logger.warning("graceful stop is slow: aborting in-flight AWS calls")
                                aws.abortFlag.fire()
                            })
                    }
                }),
            DaemonService(
                "status",
                start: {
                    do {
                        statusServer = try StatusServer(path: configuration.status.socket, logger: logger) {
                            reporter.snapshot(
                                supervisor.status, note: supervisor.note, configuration: state.configuration)
                        }
                        statusServer?.start()
                    } catch {
                        // The daemon works without its status socket; say so instead of failing the start.
                        logger.error("status socket unavailable", metadata: ["error": "\(error)"])
                    }
                }, stop: { statusServer?.stop() }),
            DaemonService(
                "readiness",
                start: {
                    // READY comes before any stream exists: the daemon is up, just idle, and systemd
                    // must not time the start out while the operator turns streams on.
                    _ = try? notifier.notify(.ready, .status(line()))
                    logger.info(
                        "ready",
                        metadata: [
                            "stream.arn": "\(supervisor.streamArn ?? "none")",
                            "worker.id": "\(configuration.leases.workerID)",
                        ])
                },
                stop: {
                    _ = try? notifier.notify(.stopping, .status("stopping: draining and releasing leases"))
                    logger.info("stopping: draining in-flight batches, checkpointing, releasing leases")
                }),
            DaemonService(
                "watchdog",
                start: {
                    watchdog?.start()
                    if let interval = context.watchdogInterval,
                        AWSEnvironment.connectTimeout + configuration.consumer.httpTimeout >= interval
                    {
                        // One slow attempt then outlasts the watchdog: a throttled but healthy daemon
                        // can be taken for a wedged one.
                        logger.warning(
                            "consumer.http_timeout_seconds is too close to WatchdogSec; keep it well below",
                            metadata: [
                                "http_timeout": "\(configuration.consumer.httpTimeout)",
                                "watchdog.interval": "\(interval)",
                            ])
                    }
                }, stop: { watchdog?.stop() }),
            DaemonService(
                "signals",
                start: {
                    signals = try SignalWatcher(
                        [.terminate, .interrupt, .hangup], queue: DispatchQueue(label: "zael.signals")
                    ) { events.post($0) }
                },
                stop: {
                    signals?.cancel()
                    // A second SIGTERM/SIGINT during the drain exits at once (leases then expire on
                    // their own). Kept until `run` returns: a dropped watcher restores the defaults.
                    secondSignals = try? SignalWatcher(
                        [.terminate, .interrupt], queue: DispatchQueue(label: "zael.signals.2")
                    ) { _ in
                        logger.warning("second stop signal: exiting without draining")
                        exit(policy.secondSignalExitStatus)
                    }
                }),
        ])
        try lifecycle.start()

        waiting: while true {
            switch events.next(timeout: .seconds(5)) {
            case .none:
                supervisor.tick()
                status(line())
            case .some(.hangup):
                // logrotate moved the spool away: new records go to a fresh file at the path.
                do {
                    try failureDestination.reopen()
                } catch {
                    logger.error("spool reopen failed; still writing the old file", metadata: ["error": "\(error)"])
                }
                reload(supervisor: supervisor, state: state, line: line)
            case .some:
                break waiting
            }
        }
        lifecycle.stop()
        logger.info("stopped cleanly")
        withExtendedLifetime(secondSignals) {}
    }

    private func reload(supervisor: StreamSupervisor, state: DaemonState, line: () -> String) {
        let logger = context.logger
        let notifier = context.notifier
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let usec = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        _ = try? notifier.notify(.reloading(monotonicMicroseconds: usec))
        defer { _ = try? notifier.notify(.ready, .status(line())) }
        let source = context.source
        let plan = ReloadPlan.make(current: state.configuration) { () throws(ConfigurationError) in try source.load() }
        let next: AggregatorConfiguration
        let diff: ConfigurationDiff
        switch plan {
        case .refused(let message):
            logger.error("\(message)")
            return
        case .unchanged:
            logger.info("reload: no change")
            return
        case .apply(let planned, let changed):
            next = planned
            diff = changed
        }
        do {
            try supervisor.update(next.consumer.tunables)
        } catch {
            logger.error("reload refused by the consumer, keeping the configuration in force: \(error)")
            return
        }
        context.levelControl.level = next.logging.level
        state.configuration = next
        if !diff.reloadable.isEmpty {
            logger.info("reload applied", metadata: ["keys": "\(diff.reloadable.joined(separator: ", "))"])
        }
        if !diff.restartRequired.isEmpty {
            logger.warning(
                "reload: these changes need a restart (systemctl restart) and were not applied",
                metadata: ["keys": "\(diff.restartRequired.joined(separator: ", "))"])
        }
    }
}

/// The configuration in force, replaced on reload; read by the status socket's thread.
final class DaemonState: @unchecked Sendable {
    private let lock = NSLock()
    // Guarded by `lock`.
    private var current: AggregatorConfiguration

    init(configuration: AggregatorConfiguration) { current = configuration }

    var configuration: AggregatorConfiguration {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }
}
