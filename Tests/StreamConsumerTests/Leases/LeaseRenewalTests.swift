import AWSCore
import AWSDynamoDB
import Foundation
import MetricsTestKit
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// Renewals apart from the lease loop (`LeaseRenewer`), their schedule and deadline rules, the
/// lapse of a lease not renewed for the failover time (kept unconfirmed, confirmed again by the
/// next renewal that succeeds), and the re-read that tells a lost reply from a lost lease (issue 11).
@Suite struct LeaseRenewalTests {
    let clock = ManualClock()
    let table = InMemoryLeaseTable()
    let failover = Duration.seconds(10)
    let metrics = TestMetrics()

    func coordinator(_ worker: String) -> LeaseCoordinator {
        LeaseCoordinator(
            workerId: worker, failoverTime: failover, store: table, clock: clock,
            metrics: ConsumerMetrics(factory: metrics), logger: quietLogger)
    }

    /// Creates `count` unowned leases and lets `worker` take them all.
    func held(_ count: Int, by worker: String) throws -> LeaseCoordinator {
        for index in 0..<count {
            _ = try table.createLease(Lease(shardId: "s\(index)", checkpoint: .trimHorizon))
        }
        let owner = coordinator(worker)
        #expect(try owner.takeLeases().taken.count == count)
        return owner
    }

    func counter(_ shardId: String) -> Int { table.lease(shardId)?.counter ?? -1 }

    // MARK: - Independence

    @Test func renewalBlockedFiveSeconds_doesNotDelayTheOtherLeases() throws {
        let a = try held(4, by: "a")
        let release = DispatchSemaphore(value: 0)
        let blocked = Flag()
        let returned = Flag()
        table.setShardHook { operation, shardId in
            guard operation == "renewLease", shardId == "s0" else { return }
            blocked.set()
            _ = release.wait(timeout: .now() + 5)
            returned.set()
        }
        let lost = Recorder<String>()
        let confirmed = Recorder<String>()
        let stop = StopLatch(clock: clock)
        let renewer = LeaseRenewer(
            coordinator: a, threads: 2, makeStore: { [table] in table }, clock: clock, stop: stop,
            checkpoint: { _ in nil }, onLost: { lost.append(contentsOf: $0) },
            onConfirmed: { confirmed.append(contentsOf: $0) })
        let done = startThreads(renewer)
        defer {
            release.signal()
            stop.fire()
            renewer.wake()
            for semaphore in done { semaphore.wait() }
        }

        // Round 1: s0's call blocks; the others (two threads for four leases) are renewed anyway.
        clock.advance(by: failover / 3)
        #expect(eventually(timeout: .seconds(2)) { blocked.isSet && (1...3).allSatisfy { counter("s\($0)") == 2 } })
        #expect(!returned.isSet)
        #expect(counter("s0") == 1)
        // Round 2 comes while s0's call is still stuck: the others are renewed again, on time.
        clock.advance(by: failover / 3)
        #expect(eventually(timeout: .seconds(2)) { (1...3).allSatisfy { counter("s\($0)") == 3 } })
        #expect(!returned.isSet)
        #expect(lost.items.isEmpty)
        #expect(a.heldLeases.count == 4)
        // The failover time since s0's last renewal (its take) passes with the call still stuck:
        // others may take s0 by their clocks now, so it is no longer confirmed; only s0. It is
        // kept (held, unconfirmed), not given up.
        clock.advance(by: failover / 3 + .milliseconds(1))
        #expect(eventually(timeout: .seconds(2)) { a.unconfirmedLeases == ["s0"] })
        #expect(eventually(timeout: .seconds(2)) { metrics.gaugeValue(ConsumerMetricNames.leasesUnconfirmed) == 1 })
        #expect(!a.isConfirmed(shardId: "s0"))
        #expect((1...3).allSatisfy { a.isConfirmed(shardId: "s\($0)") })
        #expect(!returned.isSet)
        #expect(a.heldLeases.count == 4)
        #expect(lost.items.isEmpty)
        // The stuck call ends and succeeds late. It was sent at the first round and its condition
        // held, so nobody took s0 before it landed: confirmed again, counted from that send.
        release.signal()
        #expect(eventually(timeout: .seconds(2)) { returned.isSet })
        #expect(eventually(timeout: .seconds(2)) { confirmed.items == ["s0"] })
        #expect(a.isConfirmed(shardId: "s0"))
        #expect(a.unconfirmedLeases.isEmpty)
        #expect(metrics.gaugeValue(ConsumerMetricNames.leasesUnconfirmed) == 0)
        #expect(eventually(timeout: .seconds(2)) { (1...3).allSatisfy { counter("s\($0)") == 4 } })
        #expect(counter("s0") >= 2)
        #expect(lost.items.isEmpty)
        #expect(table.lease("s0")?.claimedAt == 1, "the same tenure: never taken again")
    }

    // MARK: - Schedule and deadline

    @Test func missedRenewals_lapseTheLeaseAtExpiry_andTheNextRenewalThatSucceedsConfirmsIt() throws {
        let a = try held(1, by: "a")
        let failures = Counter()
        table.setShardHook { operation, _ in
            guard operation == "renewLease", failures.next() <= 3 else { return }
            throw AWSError(kind: .transient, code: "CurlTimeout", message: "slow table", operation: "UpdateItem")
        }
        // Nothing is due before a third of the failover time; the wake-up is that round.
        #expect(a.nextRenewalStep() == .wait(until: failover / 3))
        clock.advance(by: failover / 3)
        guard case .renew(let first) = a.nextRenewalStep() else {
            Issue.record("no renewal due")
            return
        }
        // One call at a time per lease.
        #expect(a.nextRenewalStep() == .wait(until: failover))
        #expect(a.renew(first, using: table, checkpoint: nil) == .missed)
        #expect(a.nextRenewalStep() == .wait(until: failover * 2 / 3))
        clock.advance(by: failover / 3)
        guard case .renew(let second) = a.nextRenewalStep() else {
            Issue.record("no retry due")
            return
        }
        #expect(a.renew(second, using: table, checkpoint: nil) == .missed)
        #expect(a.noteLapses().isEmpty)
        #expect(a.isConfirmed(shardId: "s0"))
        // The failover time since the take was sent: no longer confirmed (others may take it by
        // their clocks), but kept; the lapse is noted once.
        clock.advance(by: failover - clock.now())
        #expect(!a.isConfirmed(shardId: "s0"))
        #expect(a.noteLapses() == ["s0"])
        #expect(a.noteLapses().isEmpty)
        #expect(a.heldLeases.count == 1)
        #expect(metrics.gaugeValue(ConsumerMetricNames.leasesUnconfirmed) == 1)
        // Renewed on at its rounds with the same condition; the third call fails too.
        guard case .renew(let third) = a.nextRenewalStep() else {
            Issue.record("no renewal due after the lapse")
            return
        }
        #expect(third.lease.counter == 1, "the same condition as before the lapse")
        #expect(a.renew(third, using: table, checkpoint: nil) == .missed)
        // A lapsed lease has no expiry left to wake for: the next wake-up is its next round.
        #expect(a.nextRenewalStep() == .wait(until: failover + failover / 3))
        clock.advance(by: failover / 3)
        guard case .renew(let fourth) = a.nextRenewalStep() else {
            Issue.record("no renewal due")
            return
        }
        #expect(a.renew(fourth, using: table, checkpoint: nil) == .confirmed)
        #expect(a.isConfirmed(shardId: "s0"))
        #expect(a.unconfirmedLeases.isEmpty)
        #expect(metrics.gaugeValue(ConsumerMetricNames.leasesUnconfirmed) == 0)
        #expect(table.lease("s0")?.counter == 2)
        #expect(table.lease("s0")?.claimedAt == 1)
    }

    @Test func lapsedLease_takenByAnotherWorker_isLostAtItsNextRenewal() throws {
        let a = try held(1, by: "a")
        table.setShardHook { operation, _ in
            guard operation == "renewLease" else { return }
            throw AWSError(kind: .transient, code: "CurlTimeout", message: "silent table", operation: "UpdateItem")
        }
        clock.advance(by: failover)
        #expect(a.renewLeases { _ in nil }.isEmpty)
        #expect(a.unconfirmedLeases == ["s0"])
        // b saw the counter stand still for the failover time by its own clock and takes it.
        let b = coordinator("b")
        _ = try b.takeLeases(stealing: false)
        clock.advance(by: failover)
        #expect(try b.takeLeases(stealing: false).taken == ["s0"])
        // a does not take its own lapsed lease (it holds it); its renewal finds b: lost.
        #expect(try a.takeLeases(stealing: false).taken.isEmpty)
        table.setShardHook(nil)
        #expect(a.renewLeases { _ in nil } == ["s0"])
        #expect(a.heldLeases.isEmpty)
        #expect(metrics.gaugeValue(ConsumerMetricNames.leasesUnconfirmed) == 0)
        #expect(table.lease("s0")?.owner == "b")
    }

    @Test func renewalsCountFromWhenTheyWereSent() throws {
        let a = try held(1, by: "a")
        clock.advance(by: failover / 3)
        guard case .renew(let job) = a.nextRenewalStep() else {
            Issue.record("no renewal due")
            return
        }
        // The call takes a while; the lease's expiry runs from the send, not the reply.
        clock.advance(by: .seconds(2))
        #expect(a.renew(job, using: table, checkpoint: nil) == .renewed)
        #expect(a.nextRenewalStep() == .wait(until: failover / 3 * 2))
        clock.advance(by: failover - .seconds(2) - .milliseconds(1))
        #expect(a.noteLapses().isEmpty)
        #expect(a.isConfirmed(shardId: "s0"))
        clock.advance(by: .milliseconds(1))
        #expect(a.noteLapses() == ["s0"])
        #expect(!a.isConfirmed(shardId: "s0"))
    }

    // MARK: - Wake-ups

    @Test func eachDueRound_wakesTwoThreads_notEveryIdleOne() throws {
        // 32 leases taken 100 ms apart: one round due every 100 ms (failover 9.6 s, rounds 3.2 s).
        let failover = Duration.milliseconds(9600)
        let count = 32
        let step = failover / 3 / count
        let a = LeaseCoordinator(
            workerId: "a", failoverTime: failover, store: table, clock: clock, metrics: ConsumerMetrics(),
            logger: quietLogger)
        for index in 0..<count {
            _ = try table.createLease(Lease(shardId: "s\(index)", checkpoint: .trimHorizon))
            #expect(try a.takeLeases().taken == ["s\(index)"])
            clock.advance(by: step)
        }
        func renewals() -> Int { table.allLeases.reduce(0) { $0 + $1.counter } - count }
        let stop = StopLatch(clock: clock)
        let renewer = LeaseRenewer(
            coordinator: a, threads: 8, makeStore: { [table] in table }, clock: clock, stop: stop,
            checkpoint: { _ in nil }, onLost: { _ in })
        let done = startThreads(renewer)
        defer {
            stop.fire()
            renewer.wake()
            for semaphore in done { semaphore.wait() }
        }
        // s0 is due now; then one lease every step, for two full rounds.
        #expect(eventually(timeout: .seconds(5)) { renewals() == 1 && renewer.sleepingCount == 8 })
        let before = renewer.wakeUpCount
        let rounds = 2 * count
        for round in 1...rounds {
            clock.advance(by: step)
            let settled = eventually(timeout: .seconds(5)) { renewals() == round + 1 && renewer.sleepingCount == 8 }
            #expect(settled, "round \(round): \(renewals()) renewals, \(renewer.sleepingCount) asleep")
            if !settled { return }
        }
        let wakeUps = renewer.wakeUpCount - before
        // The timer wakes, takes the lease and hands the schedule to one idle thread: two per
        // round. Waking every idle thread would be 7 or 8 per round.
        #expect(wakeUps <= 2 * rounds + 2, "\(wakeUps) wake-ups for \(rounds) rounds")
        #expect(a.unconfirmedLeases.isEmpty)
        #expect(table.allLeases.allSatisfy { $0.counter == 3 || $0.counter == 4 })
    }

    // MARK: - Lost replies

    @Test func lostReplyOnRenew_retriedByTheClient_keepsTheLease() throws {
        let a = try held(1, by: "a")
        table.loseNextReply(of: "renewLease", retried: true)
        #expect(a.renewLeases { _ in .sequence(SequenceNumber("9")!) }.isEmpty)
        #expect(a.heldLeases.map(\.counter) == [2])
        #expect(table.lease("s0")?.owner == "a")
        #expect(table.lease("s0")?.checkpoint == .sequence(SequenceNumber("9")!))
        // The kept lease carries the stored counter: the next renewal's condition holds.
        #expect(a.renewLeases { _ in nil }.isEmpty)
        #expect(counter("s0") == 3)
    }

    @Test func lostReplyOnRenew_timedOut_isFoundAtTheNextRound() throws {
        let a = try held(1, by: "a")
        table.loseNextReply(of: "renewLease", retried: false)
        #expect(a.renewLeases { _ in nil }.isEmpty)
        #expect(counter("s0") == 2)
        #expect(a.heldLeases.map(\.counter) == [1])
        // Next round: the condition (counter 1) fails, the re-read shows our write (2): kept.
        clock.advance(by: failover / 3)
        #expect(a.renewLeases { _ in nil }.isEmpty)
        #expect(a.heldLeases.map(\.counter) == [2])
        #expect(a.renewLeases { _ in nil }.isEmpty)
        #expect(counter("s0") == 3)
    }

    @Test func renewalLostToAnotherOwner_dropsTheLease_evenWithALostReply() throws {
        let a = try held(1, by: "a")
        // b takes the lease (a's renewals stalled); a's renewal now fails its condition and the
        // re-read shows b: lost, whatever the reply.
        let stored = try #require(table.lease("s0"))
        guard case .taken = try table.takeLease(stored, owner: "b") else {
            Issue.record("b could not take")
            return
        }
        table.loseNextReply(of: "renewLease", retried: true)
        #expect(a.renewLeases { _ in nil } == ["s0"])
        #expect(a.heldLeases.isEmpty)
        #expect(table.lease("s0")?.owner == "b")
    }

    @Test func retakenLease_aRenewalOfTheOldTenureIsNotOurs() throws {
        let a = try held(1, by: "a")
        clock.advance(by: failover / 3)
        guard case .renew(let job) = a.nextRenewalStep() else {
            Issue.record("no renewal due")
            return
        }
        // Meanwhile the lease went to b and came back to a: a new tenure (claimedAt 3).
        let stored = try #require(table.lease("s0"))
        guard case .taken(let byB) = try table.takeLease(stored, owner: "b") else {
            Issue.record("take")
            return
        }
        guard case .taken(let back) = try table.takeLease(byB, owner: "a") else {
            Issue.record("take")
            return
        }
        #expect(back.claimedAt == 3)
        // The old tenure's call fails its condition; the item is a's, but not in that tenure.
        #expect(a.renew(job, using: table, checkpoint: nil) == .lost)
        #expect(a.heldLeases.isEmpty)
    }

    @Test func lostReplyOnRelease_stillDeletesTheLaneItems() throws {
        let a = try held(1, by: "a")
        let lease = try #require(a.heldLeases.first)
        let lanes = (0..<2).map { LaneKey(shardId: "s0", lane: $0, laneCount: 2) }
        for key in lanes { _ = try table.claimLane(key, owner: "a", claim: lease.claimedAt ?? 0) }
        #expect(table.laneKeys(of: "s0").count == 2)
        table.loseNextReply(of: "releaseLease", retried: true)
        a.release(shardId: "s0", checkpoint: .shardEnd, deletingLanes: lanes)
        #expect(table.laneKeys(of: "s0").isEmpty)
        #expect(table.lease("s0")?.owner == nil)
        #expect(table.lease("s0")?.checkpoint == .shardEnd)
    }

    @Test func releaseOfALeaseTakenMeanwhile_keepsTheLaneItems() throws {
        let a = try held(1, by: "a")
        let lanes = [LaneKey(shardId: "s0", lane: 0, laneCount: 1)]
        _ = try table.claimLane(lanes[0], owner: "a", claim: 1)
        let stored = try #require(table.lease("s0"))
        guard case .taken = try table.takeLease(stored, owner: "b") else {
            Issue.record("b could not take")
            return
        }
        a.release(shardId: "s0", checkpoint: .shardEnd, deletingLanes: lanes)
        #expect(table.laneKeys(of: "s0") == [lanes[0].leaseKey])
        #expect(table.lease("s0")?.owner == "b")
        #expect(table.lease("s0")?.checkpoint == .trimHorizon)
    }

    // MARK: - Helpers

    private func startThreads(_ renewer: LeaseRenewer) -> [DispatchSemaphore] {
        (0..<renewer.threads).map { _ in
            let done = DispatchSemaphore(value: 0)
            Thread {
                renewer.run()
                done.signal()
            }.start()
            return done
        }
    }
}

/// A flag set once from any thread.
private final class Flag: @unchecked Sendable {
    // `value` is guarded by `lock`.
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

/// Counts calls from any thread; `next()` returns 1, 2, 3...
private final class Counter: @unchecked Sendable {
    // `value` is guarded by `lock`.
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.withLock {
            value += 1
            return value
        }
    }
}

/// Collects values from any thread.
private final class Recorder<Element: Sendable>: @unchecked Sendable {
    // `values` is guarded by `lock`.
    private let lock = NSLock()
    private var values: [Element] = []
    func append(contentsOf more: [Element]) { lock.withLock { values += more } }
    var items: [Element] { lock.withLock { values } }
}
