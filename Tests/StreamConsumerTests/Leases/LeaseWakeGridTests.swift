import AWSCore
import MetricsTestKit
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// Renewal rounds on the wake grid (`WakeGrid`): leases taken at different moments are renewed
/// at the same few instants, as often as without the grid and never later than a renewal period
/// after the previous send.
@Suite struct LeaseWakeGridTests {
    let failover = Duration.seconds(10)

    /// Sends of each lease's renewals over 60 s for 40 leases taken 80 ms apart (all within the
    /// first renewal period).
    func renewalSends(grid: WakeGrid?) throws -> [String: [Duration]] {
        let clock = ManualClock()
        let table = InMemoryLeaseTable()
        let coordinator = LeaseCoordinator(
            workerId: "a", failoverTime: failover, store: table, clock: clock,
            metrics: ConsumerMetrics(factory: TestMetrics()), logger: quietLogger, wakeGrid: grid)
        var sends: [String: [Duration]] = [:]
        for index in 0..<40 {
            _ = try table.createLease(Lease(shardId: "s\(index)", checkpoint: .trimHorizon))
            #expect(try coordinator.takeLeases().taken.count == 1)
            sends["s\(index)"] = [clock.now()]
            clock.advance(by: .milliseconds(80))
        }
        while clock.now() < .seconds(60) {
            switch coordinator.nextRenewalStep() {
            case .renew(let job):
                sends[job.lease.shardId, default: []].append(job.sentAt)
                #expect(coordinator.renew(job, using: table, checkpoint: nil) == .renewed)
            case .wait(let until):
                clock.advance(by: (until ?? clock.now() + failover) - clock.now())
            case .beat:
                Issue.record("a coordinator without heartbeats beat")
                return sends
            }
        }
        return sends
    }

    @Test func leasesTakenAtDifferentMoments_renewAtTheSameInstants_noLaterThanAPeriodApart() throws {
        let snapped = try renewalSends(grid: .standard)
        let free = try renewalSends(grid: nil)
        let renewals = { (sends: [String: [Duration]]) in sends.values.flatMap { $0.dropFirst() } }
        // Every renewal on the grid; without it, at each take's own phase.
        #expect(renewals(snapped).allSatisfy(isOnWakeGrid))
        #expect(!renewals(free).allSatisfy(isOnWakeGrid))
        // 40 leases taken over 3.2 s: on the grid, their ~680 renewals come at no more than the
        // grid's 3 instants a second; without it, each at its own.
        #expect(Set(renewals(snapped)).count <= 180)
        #expect(Set(renewals(free)).count > 600)
        for (shardId, sends) in snapped {
            // As many renewals (±1) and never more than a period (failover/3) apart.
            #expect(abs(sends.count - free[shardId]!.count) <= 1, "\(shardId)")
            for (previous, next) in zip(sends, sends.dropFirst()) { #expect(next - previous <= failover / 3) }
        }
    }
}
