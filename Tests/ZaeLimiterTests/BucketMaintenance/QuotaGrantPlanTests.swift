import Testing

@testable import ZaeLimiter

/// The ADR-145 planner on hand-worked cases (the golden vectors cover it against Python too).
@Suite struct QuotaGrantPlanTests {
    typealias Sibling = QuotaGrantPlan.Sibling

    @Test func closestCurrentCover_donatesAtMostAShare() {
        // Slot 5 at count 8: shard 1 sized at 4 covers it (5 % 4 == 1), shard 0 sized at 1
        // covers everything; the larger grant count is the closer cover.
        let siblings = [
            Sibling(shardId: 0, tokensMilli: 9_000, grantCount: 1, current: true),
            Sibling(shardId: 1, tokensMilli: 300, grantCount: 4, current: true),
        ]
        let grant = QuotaGrantPlan.grant(siblings: siblings, shardId: 5, shareMilli: 1_000)
        #expect(grant == QuotaGrantPlan.Grant(donorShard: 1, tokensMilli: 300, donorGrantCount: 4))
    }

    @Test func tiesGoToTheLowestShard_andStaleOrSelfNeverDonate() {
        let siblings = [
            Sibling(shardId: 3, tokensMilli: 5_000, grantCount: 2, current: true),
            Sibling(shardId: 1, tokensMilli: 5_000, grantCount: 2, current: true),
            Sibling(shardId: 7, tokensMilli: 5_000, grantCount: 8, current: false),
        ]
        #expect(QuotaGrantPlan.grant(siblings: siblings, shardId: 7, shareMilli: 2_000).donorShard == 1)
        #expect(
            QuotaGrantPlan.grant(siblings: [siblings[0]], shardId: 3, shareMilli: 2_000)
                == QuotaGrantPlan.Grant(donorShard: nil, tokensMilli: 2_000))
    }

    @Test func overdrawnDonor_movesNothingButStillCovers() {
        let siblings = [Sibling(shardId: 0, tokensMilli: -40, grantCount: 1, current: true)]
        #expect(
            QuotaGrantPlan.grant(siblings: siblings, shardId: 1, shareMilli: 2_000)
                == QuotaGrantPlan.Grant(donorShard: 0, tokensMilli: 0, donorGrantCount: 1))
    }

    @Test func sessionAndCalendarPeriods() {
        let now = 10_000_000
        // Session: a live window already applied is current; a lapsed or unapplied one is not.
        #expect(
            QuotaGrantPlan.periodIsCurrent(
                resetAfterSeconds: 60, previousResetEdge: { nil }, refill: 0, windowStart: now - 1_000,
                windowApplied: now - 1_000, now: now))
        #expect(
            !QuotaGrantPlan.periodIsCurrent(
                resetAfterSeconds: 60, previousResetEdge: { nil }, refill: 0, windowStart: now - 60_000,
                windowApplied: now - 60_000, now: now))
        #expect(
            !QuotaGrantPlan.periodIsCurrent(
                resetAfterSeconds: 60, previousResetEdge: { nil }, refill: now - 5_000, windowStart: now - 1_000,
                windowApplied: nil, now: now))
        // Calendar: current unless an edge passed after rf.
        #expect(
            QuotaGrantPlan.periodIsCurrent(
                resetAfterSeconds: nil, previousResetEdge: { now - 100 }, refill: now - 100, windowStart: nil,
                windowApplied: nil, now: now))
        #expect(
            !QuotaGrantPlan.periodIsCurrent(
                resetAfterSeconds: nil, previousResetEdge: { now - 100 }, refill: now - 101, windowStart: nil,
                windowApplied: nil, now: now))
    }

    @Test func corruptWindowLength_doesNotOverflow() {
        #expect(
            QuotaGrantPlan.periodIsCurrent(
                resetAfterSeconds: Int.max, previousResetEdge: { nil }, refill: 0, windowStart: Int.max - 5,
                windowApplied: Int.max, now: 0))
    }

    @Test func pythonFloorDivisionAndModulo() {
        #expect(PythonMath.floorDivide(-7, 2) == -4 && PythonMath.floorDivide(7, 2) == 3)
        #expect(PythonMath.floorDivide(-8, 2) == -4 && PythonMath.floorDivide(7, -2) == -4)
        #expect(PythonMath.modulo(-7, 3) == 2 && PythonMath.modulo(7, 3) == 1 && PythonMath.modulo(7, -3) == -2)
    }
}
