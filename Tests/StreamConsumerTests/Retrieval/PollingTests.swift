import AWSCore
import AWSDynamoDB
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// GetRecords pacing and batch timing, driven through the retrieval state machine on a manual
/// clock: idle shards poll at the idle pace, shards with records pending four times a second,
/// and a batch is due a batching window after its first record arrived, whatever the pace.
@Suite struct PollingTests {
    @Test func idleAndTricklingShards_pollAtABoundedRate_andBatchByTheWindow() {
        var tunables = fastTunables(batchSize: 100)
        tunables.idlePoll = .milliseconds(250)
        tunables.batchingWindow = .milliseconds(600)
        var idle = RetrievalSimulation(tunables)
        idle.run(until: .milliseconds(1200))
        // The pause is the empty time, from the idle poll up to the window: 250, 250, 500, 600.
        #expect(idle.fetches == [0, 250, 500, 1000].map { Duration.milliseconds($0) })

        var trickle = RetrievalSimulation(tunables)
        trickle.write(60, from: .milliseconds(5), every: .milliseconds(20))
        trickle.run(until: .milliseconds(1200) + .seconds(1))
        // Records pending: every 250 ms, plus the prefetch at each delivery (0, 250, 500, 600,
        // 850, 1100).
        #expect(trickle.fetchCount(from: .zero, to: .milliseconds(1200)) <= 6)
        // Records arrived every 20 ms but were delivered in window-sized batches, each at most a
        // window after its first record arrived, and none twice.
        #expect(trickle.deliveredSequence == Array(1...60))
        #expect(trickle.deliveries.count <= 4, "batches: \(trickle.deliveries.count)")
        #expect(trickle.latencies.allSatisfy { $0 <= .milliseconds(600) }, "\(trickle.latencies)")
    }

    @Test func pendingRecords_pollAtTheSteadyPace_notTheIdleBackoff() {
        var simulation = RetrievalSimulation(ConsumerTunables())  // the defaults: window 5 s, idle 1 s
        simulation.write(1, from: .seconds(60) + .milliseconds(100), every: .zero)
        simulation.run(until: .seconds(70))
        let pending = simulation.fetches.filter { $0 > .seconds(60) + .milliseconds(100) && $0 < .seconds(65) }
        let gaps = zip(pending.dropFirst(), pending).map { $0 - $1 }
        #expect(!gaps.isEmpty && gaps.allSatisfy { $0 == RetrievalStateMachine.pendingPoll }, "\(gaps)")
        #expect(simulation.deliveredSequence == [1])
    }

    @Test func batchIsDueAWindowAfterItsFirstRecordArrived_notAfterItWasFetched() {
        // The shard has been idle for a minute: the pause is at its 2 s ceiling when the record
        // comes, so it is fetched up to 2 s late; the window still counts from its arrival.
        for offset in [1, 500, 1000, 1999] {
            var simulation = RetrievalSimulation(ConsumerTunables())
            simulation.write(1, from: .seconds(60) + .milliseconds(offset), every: .zero)
            simulation.run(until: .seconds(80))
            let latency = simulation.latencies.first
            #expect(latency.map { $0 <= .seconds(5) } == true, "offset \(offset) ms: \(String(describing: latency))")
            #expect(latency.map { $0 >= .seconds(3) } == true, "offset \(offset) ms: \(String(describing: latency))")
        }
    }

    @Test func defaults_fourRequestsASecond_waitAtMostTheWindow() {
        // Issue 14's table in simulation: 60 records at 4/s after an idle minute, the defaults.
        var simulation = RetrievalSimulation(ConsumerTunables())
        simulation.processing = .milliseconds(30)
        simulation.write(60, from: .seconds(60) + .milliseconds(130), every: .milliseconds(250))
        simulation.run(until: .seconds(90))
        let latencies = simulation.latencies
        #expect(latencies.count == 60)
        #expect(latencies.max()! <= .seconds(5), "max \(latencies.max()!)")
        #expect(median(latencies) <= .seconds(3), "median \(median(latencies))")
        #expect(simulation.deliveredSequence == Array(1...60))
    }

    @Test func realTimeProfile_deliversWithinTheIdlePoll() {
        var tunables = ConsumerTunables()
        tunables.batchingWindow = .zero
        tunables.idlePoll = .milliseconds(250)
        var simulation = RetrievalSimulation(tunables)
        simulation.processing = .milliseconds(30)
        simulation.write(60, from: .seconds(60) + .milliseconds(130), every: .milliseconds(250))
        simulation.run(until: .seconds(90))
        let latencies = simulation.latencies
        #expect(latencies.count == 60)
        // A window of 0 turns the idle backoff off: a record waits at most one idle poll.
        #expect(latencies.max()! <= .milliseconds(250), "max \(latencies.max()!)")
    }

    @Test func batchSize_makesABatchDueAtOnce_whateverTheWindow() {
        var tunables = ConsumerTunables(batchSize: 10, batchingWindow: .seconds(30))
        tunables.idlePoll = .milliseconds(100)
        var simulation = RetrievalSimulation(tunables)
        simulation.write(25, from: .milliseconds(50), every: .zero)
        simulation.run(until: .milliseconds(200))
        #expect(simulation.deliveries.map(\.records.count) == [10, 10])
        #expect(simulation.deliveries.allSatisfy { $0.at == .milliseconds(100) })
        // The remaining five keep their own arrival: due 30 s after it, not after the cut.
        simulation.run(until: .seconds(31))
        #expect(
            simulation.deliveries.last?.at == .seconds(30), "\(String(describing: simulation.deliveries.last?.at))")
    }

    @Test func fullPages_fetchAgainAtOnce() {
        // Pages of at most 10 (the service's 1000, scaled down), batches of 5.
        var simulation = RetrievalSimulation(ConsumerTunables(batchSize: 5), pageLimit: 10)
        simulation.write(25, from: .zero, every: .zero)
        simulation.run(until: .milliseconds(1))
        // Two full pages and the rest, all at time zero; batches cut as they fill.
        #expect(simulation.fetchCount(from: .zero, to: .milliseconds(1)) >= 3)
        #expect(simulation.deliveries.count == 5)
        #expect(simulation.deliveredSequence == Array(1...25))
    }

    @Test func shortPagesOfABacklog_fetchAgainAtOnce() {
        // A 1 MB response holds fewer than 1000 large records: pages of 4 under a limit of 10.
        // The records entered the stream 10 s ago, so the shard is behind whatever the page size.
        var simulation = RetrievalSimulation(ConsumerTunables(batchSize: 5), pageLimit: 10)
        simulation.pageSize = 4
        simulation.write(25, from: .seconds(-10), every: .zero)
        simulation.run(until: .milliseconds(1))
        #expect(simulation.deliveredSequence == Array(1...25))
    }

    @Test func shortPagesAtTheTip_keepTheSteadyPace() {
        // The same short pages of records that just arrived: the shard is not behind, so it
        // polls at the pending pace (four a second) instead of at once.
        var simulation = RetrievalSimulation(ConsumerTunables(batchSize: 5), pageLimit: 10)
        simulation.pageSize = 4
        simulation.write(25, from: .zero, every: .zero)
        simulation.run(until: .milliseconds(1))
        #expect(simulation.fetchCount(from: .zero, to: .milliseconds(1)) == 1)
        simulation.run(until: .seconds(2))
        #expect(simulation.deliveredSequence == Array(1...25))
        #expect(simulation.fetches.dropFirst().allSatisfy { $0 >= RetrievalStateMachine.pendingPoll })
    }

    @Test func failedFetches_backOffExponentially_upToTheCap() {
        var tunables = ConsumerTunables()
        tunables.retryBackoff = .milliseconds(100)
        tunables.maxRetryBackoff = .milliseconds(500)
        var simulation = RetrievalSimulation(tunables)
        for number in 0..<5 { simulation.faults[number] = .fail }
        simulation.write(1, from: .zero, every: .zero)
        simulation.run(until: .seconds(10))
        // Jitter 1 takes the top of each range: 100, 200, 400, 500, 500 ms.
        let gaps = zip(simulation.fetches.dropFirst(), simulation.fetches).map { $0 - $1 }.prefix(5)
        #expect(Array(gaps) == [100, 200, 400, 500, 500].map { Duration.milliseconds($0) })
        #expect(simulation.machine.fetchFailures == 0)
        #expect(simulation.deliveredSequence == [1])
    }
}

/// Idle pauses on the wake grid (`WakeGrid`): shards that went idle at different moments poll
/// at the same few instants, as often as without the grid, never later than the ceiling.
@Suite struct WakeGridPollingTests {
    /// Fetch times of an idle shard whose consumer started at `start`, up to 60 s.
    func idleFetches(start: Duration, grid: WakeGrid?) -> [Duration] {
        var simulation = RetrievalSimulation(ConsumerTunables())  // idle poll 1 s, ceiling 2 s
        simulation.settings = .init(ConsumerTunables(), wakeGrid: grid)
        simulation.clock.advance(by: start)
        simulation.run(until: .seconds(60))
        return simulation.fetches
    }

    @Test func shardsIdleSinceDifferentMoments_pollAtTheSameInstants_asOftenAsWithoutTheGrid() {
        // 20 shards started at different moments (so with different idle phases).
        let starts = (0..<20).map { Duration.milliseconds(137 * $0 + 11) }
        let snapped = starts.map { idleFetches(start: $0, grid: .standard) }
        let free = starts.map { idleFetches(start: $0, grid: nil) }
        let settled = { (fetches: [Duration]) in fetches.filter { $0 >= .seconds(10) } }
        // Once idle at the ceiling, every poll is at a grid point; without the grid, not.
        for fetches in snapped { #expect(settled(fetches).allSatisfy(isOnWakeGrid)) }
        #expect(!free.flatMap(settled).allSatisfy(isOnWakeGrid))
        // So the 20 shards wake the process at no more than the grid's 3 instants a second (150
        // in 50 s); without it, at each shard's own instants (~25 per shard).
        #expect(Set(snapped.flatMap(settled)).count <= 150)
        #expect(Set(free.flatMap(settled)).count > 300)
        // Once settled, as many calls (±1); in the first seconds, while the pause grows from 1 s to
        // 2 s, snapping shortens a few pauses (at most 2 calls more). No pause beyond the ceiling.
        for (gridded, plain) in zip(snapped, free) {
            #expect(abs(settled(gridded).count - settled(plain).count) <= 1)
            #expect(gridded.count - plain.count <= 2)
        }
        for fetches in snapped {
            for (previous, next) in zip(fetches, fetches.dropFirst()) { #expect(next - previous <= .seconds(2)) }
        }
    }
}
