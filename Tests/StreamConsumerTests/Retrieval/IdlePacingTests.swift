import AWSCore
import AWSDynamoDB
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// Idle backoff: a shard that stays empty polls less and less often, up to its own ceiling
/// (`maxIdlePoll`, never beyond the batching window); a low-latency profile (window ≤ idle poll)
/// keeps polling at the idle pace. Driven on a manual clock.
@Suite struct IdlePacingTests {
    @Test func pause_growsWithTheEmptyTime_fromTheIdlePoll_upToTheCeiling() {
        let pauses = [0, 500, 1000, 1500, 2500, 60_000].map {
            IdlePacing.pause(
                emptyFor: .milliseconds($0), idlePoll: .seconds(1), maxIdlePoll: .seconds(2),
                batchingWindow: .seconds(5))
        }
        #expect(pauses == [1000, 1000, 1000, 1500, 2000, 2000].map { Duration.milliseconds($0) })
        // The ceiling is its own setting, not the batching window…
        #expect(
            IdlePacing.pause(
                emptyFor: .seconds(86_400), idlePoll: .seconds(1), maxIdlePoll: .seconds(2),
                batchingWindow: .seconds(300))
                == .seconds(2))
        // …but never beyond the window, and never below the idle poll.
        #expect(
            IdlePacing.pause(
                emptyFor: .seconds(60), idlePoll: .milliseconds(20), maxIdlePoll: .seconds(2),
                batchingWindow: .milliseconds(320)) == .milliseconds(320))
        #expect(
            IdlePacing.pause(
                emptyFor: .seconds(60), idlePoll: .seconds(5), maxIdlePoll: .seconds(2), batchingWindow: .seconds(10))
                == .seconds(5))
    }

    @Test func pause_staysAtTheIdlePoll_whenTheWindowIsNotLonger() {
        for seconds in [0, 1, 2, 9, 3600] {
            #expect(
                IdlePacing.pause(
                    emptyFor: .seconds(seconds), idlePoll: .milliseconds(250), maxIdlePoll: .seconds(2),
                    batchingWindow: .zero) == .milliseconds(250))
            #expect(
                IdlePacing.pause(
                    emptyFor: .seconds(seconds), idlePoll: .seconds(1), maxIdlePoll: .seconds(2),
                    batchingWindow: .seconds(1)) == .seconds(1))
        }
    }

    @Test func idleShard_withTheDefaults_pollsEveryTwoSeconds() {
        var simulation = RetrievalSimulation(ConsumerTunables())
        simulation.run(until: .seconds(600))
        let gaps = zip(simulation.fetches.dropFirst(), simulation.fetches).map { $0 - $1 }
        // 1 s, 1 s, then the 2 s ceiling: 30 calls a minute (it was one per 5 s window before).
        #expect(Array(gaps.prefix(4)) == [1, 1, 2, 2].map { Duration.seconds($0) })
        #expect(gaps.dropFirst(2).allSatisfy { $0 == .seconds(2) })
        #expect(simulation.fetchCount(from: .seconds(60), to: .seconds(120)) == 30)
    }

    @Test func idleShard_backsOff_yetDeliversWithinTheWindow() {
        var tunables = fastTunables(batchSize: 100)
        tunables.idlePoll = .milliseconds(20)
        tunables.batchingWindow = .milliseconds(320)
        var simulation = RetrievalSimulation(tunables)
        simulation.write(1, from: .milliseconds(1500), every: .zero)
        simulation.run(until: .seconds(3))
        // Pauses 20, 20, 40, 80, 160, 320, 320 ms…: 9 calls in 1.5 s instead of 75.
        #expect(simulation.fetchCount(from: .zero, to: .milliseconds(1500)) == 9)
        // Fetched within the 320 ms ceiling; delivered within a window of its arrival.
        #expect(simulation.latencies.count == 1)
        #expect(simulation.latencies.allSatisfy { $0 <= .milliseconds(320) }, "\(simulation.latencies)")
    }

    @Test func idleShard_keepsTheIdlePace_whenTheWindowIsZero() {
        var tunables = fastTunables(batchSize: 100)
        tunables.idlePoll = .milliseconds(20)
        tunables.batchingWindow = .zero
        var simulation = RetrievalSimulation(tunables)
        simulation.write(1, from: .milliseconds(1501), every: .zero)
        simulation.run(until: .seconds(3))
        #expect(simulation.fetchCount(from: .zero, to: .milliseconds(1500)) == 75)
        #expect(simulation.latencies.allSatisfy { $0 <= .milliseconds(20) }, "\(simulation.latencies)")
    }

    @Test func aLongerCeiling_costsFewerCalls_andOnlyDelaysFetching() {
        var tunables = ConsumerTunables()
        tunables.maxIdlePoll = .seconds(5)
        var simulation = RetrievalSimulation(tunables)
        simulation.write(1, from: .seconds(60) + .milliseconds(1), every: .zero)
        simulation.run(until: .seconds(80))
        #expect(simulation.fetchCount(from: .zero, to: .seconds(60)) <= 15)
        // Fetched up to 5 s late, yet still delivered a window after it arrived at most.
        #expect(simulation.latencies.allSatisfy { $0 <= .seconds(5) }, "\(simulation.latencies)")
    }

    @Test func recordsResetTheBackoff() {
        var simulation = RetrievalSimulation(ConsumerTunables(batchSize: 1))
        simulation.write(1, from: .seconds(30) + .milliseconds(1), every: .zero)
        simulation.run(until: .seconds(60))
        // Fetched at 32 s (the 2 s pace) and delivered at once (batch size 1), with a prefetch.
        let delivery = simulation.deliveries.first!.at
        #expect(delivery == .seconds(32))
        let after = simulation.fetches.filter { $0 >= delivery }.dropFirst()
        let gaps = zip(after.dropFirst(), after).map { $0 - $1 }
        // Once the shard is empty again the pause starts over at the idle poll.
        #expect(Array(gaps.prefix(3)) == [1, 1, 2].map { Duration.seconds($0) }, "\(gaps)")
    }
}
