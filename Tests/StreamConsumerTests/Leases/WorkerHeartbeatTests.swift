import AWSCore
import AWSDynamoDB
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// One heartbeat item per worker keeps all its leases alive (`WorkerHeartbeat`): an idle lease
/// costs no call of its own, another worker takes it only when neither its counter nor its
/// owner's heartbeat moved for the failover time, a lapsed lease still needs its own renewal, and
/// a lease taken from a worker shows in that worker's next scan.
@Suite struct WorkerHeartbeatTests {
    let clock = ManualClock()
    let table = InMemoryLeaseTable()
    let failover = Duration.seconds(10)

    func coordinator(_ worker: String, heartbeat: Bool = true) -> LeaseCoordinator {
        LeaseCoordinator(
            workerId: worker, failoverTime: failover, store: table, clock: clock, metrics: ConsumerMetrics(),
            logger: quietLogger, heartbeat: heartbeat)
    }

    func addLeases(_ count: Int) {
        for index in 0..<count { _ = try? table.createLease(Lease(shardId: "s\(index)", checkpoint: .trimHorizon)) }
    }

    /// Runs `worker`'s renewer steps on the manual clock until `end`, each renewal storing
    /// `checkpoint(shardId)`, with the calls named in `failing` (`beat`, `renewLease`) failing as
    /// against a silent endpoint; counts the calls made.
    @discardableResult
    func drive(
        _ worker: LeaseCoordinator, until end: Duration, failing: Set<String> = [],
        checkpoint: (String) -> LeaseCheckpoint? = { _ in nil }, each: () -> Void = {}
    ) -> (beats: Int, renewals: [String], lastBeat: Duration?) {
        let silent = { @Sendable (operation: String) throws in
            guard failing.contains(operation) else { return }
            throw AWSError(kind: .transient, code: "CurlTimeout", message: "no answer", operation: "UpdateItem")
        }
        table.setHook(silent)
        table.setShardHook { operation, _ in try silent(operation) }
        defer {
            table.setHook(nil)
            table.setShardHook(nil)
        }
        var beats = 0
        var renewals: [String] = []
        var lastBeat: Duration?
        while clock.now() < end {
            each()
            // As each renewer thread does before every step.
            worker.noteLapses()
            switch worker.nextRenewalStep() {
            case .beat(let sentAt):
                if worker.beat(sentAt: sentAt, using: table) { lastBeat = sentAt }
                beats += 1
            case .renew(let job):
                let stored = checkpoint(job.lease.shardId)
                if worker.cover(job, checkpoint: stored) { continue }
                renewals.append(job.lease.shardId)
                if worker.renew(job, using: table, checkpoint: stored) == .lost {
                    Issue.record("lost \(job.lease.shardId)")
                }
            case .wait(let until):
                clock.advance(by: min(until ?? end, end) - clock.now())
            }
        }
        return (beats, renewals, lastBeat)
    }

    @Test func idleLeases_areKeptAliveByTheHeartbeatAlone_andStayConfirmed() throws {
        addLeases(16)
        let a = coordinator("a")
        #expect(try a.takeLeases().taken.count == 16)
        let counters = table.allLeases.map(\.counter)
        let calls = drive(a, until: .seconds(60), each: { #expect(a.unconfirmedLeases.isEmpty, "at \(clock.now())") })
        // One heartbeat every failover/3 (the first at once), no call per lease.
        #expect((18...19).contains(calls.beats), "\(calls.beats)")
        #expect(calls.renewals.isEmpty)
        #expect(table.allLeases.map(\.counter) == counters)
        #expect(table.heartbeat(of: "a") == calls.beats)
    }

    @Test func withoutHeartbeats_everyLeaseIsRenewedEveryRound() throws {
        addLeases(16)
        let a = coordinator("a", heartbeat: false)
        #expect(try a.takeLeases().taken.count == 16)
        let calls = drive(a, until: .seconds(60))
        #expect(calls.beats == 0)
        #expect(calls.renewals.count >= 16 * 17)
    }

    @Test func aLeaseWhoseCheckpointMoved_isRenewedWithIt_atItsNextRound() throws {
        addLeases(4)
        let a = coordinator("a")
        _ = try a.takeLeases()
        let moved = LeaseCheckpoint.sequence(SequenceNumber("1000")!)
        var checkpoints: [String: LeaseCheckpoint] = [:]
        drive(a, until: .seconds(5), checkpoint: { checkpoints[$0] ?? .trimHorizon })
        checkpoints["s2"] = moved
        // Only s2 had a new checkpoint to store; its round stored it; after that, covered again.
        let calls = drive(a, until: .seconds(30), checkpoint: { checkpoints[$0] ?? .trimHorizon })
        #expect(calls.renewals == ["s2"])
        #expect(table.lease("s2")?.checkpoint == moved)
        #expect(table.lease("s1")?.checkpoint == .trimHorizon)
    }

    @Test func anotherWorker_takesTheLeases_onlyAfterTheHeartbeatStoodStillForTheFailoverTime() throws {
        addLeases(3)
        let a = coordinator("a")
        let b = coordinator("b")
        _ = try a.takeLeases()
        // b scans every second for 40 s while a beats: a's lease counters never move, yet b
        // takes nothing.
        var next = Duration.zero
        let calls = drive(
            a, until: .seconds(40),
            each: {
                guard clock.now() >= next else { return }
                next = clock.now() + .seconds(1)
                #expect((try? b.takeLeases(stealing: false).taken) == [])
            })
        // a goes silent. b may take the leases only once a's last beat is a failover time old
        // (a counts them confirmed until then), and does within its next scans after that.
        let lastBeat = try #require(calls.lastBeat)
        var taken: [String] = []
        while taken.isEmpty && clock.now() < .seconds(80) {
            clock.advance(by: .milliseconds(500))
            taken = try b.takeLeases(stealing: false).taken
        }
        #expect(taken.count == 3)
        #expect(clock.now() - lastBeat >= failover)
        #expect(clock.now() - lastBeat <= failover + .seconds(2))
    }

    @Test func failingHeartbeats_fallBackToEachLeasesOwnRenewals_andNoLeaseLapses() throws {
        addLeases(3)
        let a = coordinator("a")
        _ = try a.takeLeases()
        drive(a, until: .seconds(10))
        let calls = drive(
            a, until: .seconds(40), failing: ["beat"],
            each: { #expect(a.unconfirmedLeases.isEmpty, "at \(clock.now())") })
        // Each lease renews itself once its last renewal is two periods old: every 6.7 s.
        for shardId in ["s0", "s1", "s2"] {
            #expect((4...5).contains(calls.renewals.filter { $0 == shardId }.count), "\(calls.renewals)")
        }
    }

    @Test func silentTable_lapsesEveryLease_andOnlyTheirOwnRenewalsConfirmThemAgain() throws {
        addLeases(3)
        let a = coordinator("a")
        _ = try a.takeLeases()
        drive(a, until: .seconds(10))
        #expect(a.unconfirmedLeases.isEmpty)
        drive(a, until: .seconds(30), failing: ["beat", "renewLease"])
        #expect(a.unconfirmedLeases == ["s0", "s1", "s2"])
        // A beat that lands confirms nothing (the leases may have been taken meanwhile): each
        // lapsed lease's own renewal does, once; then the heartbeat covers them again.
        #expect(a.beat(sentAt: clock.now(), using: table))
        #expect(a.unconfirmedLeases == ["s0", "s1", "s2"])
        #expect(!a.isConfirmed(shardId: "s0"))
        let back = drive(a, until: .seconds(60))
        #expect(back.renewals.sorted() == ["s0", "s1", "s2"])
        #expect(a.unconfirmedLeases.isEmpty)
        #expect(back.beats >= 8)
    }

    @Test func aLeaseTakenFromUs_isLostAtOurNextScan() throws {
        addLeases(4)
        let a = coordinator("a")
        #expect(try a.takeLeases().taken.count == 4)
        drive(a, until: .seconds(5))
        let b = coordinator("b")
        let stolen = try b.takeLeases().stolen
        #expect(stolen.count == 1)
        let report = try a.takeLeases(stealing: false)
        #expect(report.lost == stolen)
        #expect(Set(a.heldLeases.map(\.shardId)) == Set(["s0", "s1", "s2", "s3"]).subtracting(stolen))
        // An older listing (lower counter than ours) proves nothing.
        #expect(try a.takeLeases(stealing: false).lost.isEmpty)
    }

    @Test func theHeartbeatOfAGoneWorker_isDeleted_onlyWhenNoLeaseNamesIt() throws {
        // "holder" is gone too, but an ended lease still names it (never taken: it is at SHARD_END).
        _ = try table.createLease(Lease(shardId: "ended", owner: "holder", checkpoint: .shardEnd))
        try table.beat(worker: "gone")
        try table.beat(worker: "holder")
        let a = coordinator("a")
        _ = try a.takeLeases(stealing: false)
        clock.advance(by: failover * 10 - .seconds(1))
        _ = try a.takeLeases(stealing: false)
        #expect(table.heartbeat(of: "gone") == 1, "not stale yet")
        clock.advance(by: .seconds(1))
        _ = try a.takeLeases(stealing: false)
        #expect(table.heartbeat(of: "gone") == nil)
        #expect(table.heartbeat(of: "holder") == 1)
        // A gone worker's item that moved in between is not deleted (the delete is conditional).
        try table.beat(worker: "late")
        _ = try a.takeLeases(stealing: false)
        clock.advance(by: failover * 10)
        try table.beat(worker: "late")
        _ = try a.takeLeases(stealing: false)
        #expect(table.heartbeat(of: "late") == 2)
    }
}
