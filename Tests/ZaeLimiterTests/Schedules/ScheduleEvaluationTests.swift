import Testing

@testable import ZaeLimiter

/// Evaluation at hand-picked instants (DST gaps and folds, a half-hour zone), with the values
/// zae-limiter 0.17.0 returns for the same calls.
@Suite struct ScheduleEvaluationTests {
    @Test func scale_truncatesAndFloorsAtOne_exceptAQuotaStaysAtZero() throws {
        let half = try Schedule.decode("1s500", timeZone: "UTC")
        let now: Int64 = 1_728_142_140_000
        #expect(
            try half.effectiveParameters(
                capacity: 10_000_000, refillAmount: 1_000_000, refillPeriod: 60_000, atMilliseconds: now)
                == .init(capacity: 5_000_000, refillAmount: 500_000, refillPeriod: 60_000))
        let tiny = try Schedule.decode("1s1", timeZone: "UTC")
        #expect(
            try tiny.effectiveParameters(
                capacity: 10_000_000, refillAmount: 0, refillPeriod: 60_000, atMilliseconds: now)
                == .init(capacity: 10_000, refillAmount: 0, refillPeriod: 60_000))
        let third = try Schedule.decode("1s333", timeZone: "UTC")
        #expect(
            try third.effectiveParameters(capacity: 3, refillAmount: 3, refillPeriod: 60_000, atMilliseconds: now)
                == .init(capacity: 1, refillAmount: 1, refillPeriod: 60_000))
    }

    @Test func firstMatchingEntryWins_inAHalfHourZone() throws {
        let schedule = try Schedule.decode("1h9-17w1-5s500;h0-6c2000", timeZone: "Australia/Lord_Howe")
        let now: Int64 = 1_728_142_140_000  // 2024-10-05T15:29Z, 02:59 local on DST morning
        #expect(
            try schedule.effectiveParameters(
                capacity: 10_000_000, refillAmount: 1_000_000, refillPeriod: 60_000, atMilliseconds: now)
                == .init(capacity: 2_000_000, refillAmount: 1_000_000, refillPeriod: 60_000))
        #expect(try Schedule.nextBoundary(schedule: schedule, reset: .empty, atMilliseconds: now) == 1_728_158_400_000)
    }

    @Test func resetInsideASpringForwardGap_isSkippedThatDay() throws {
        let reset = try Schedule.decodeReset("1m30h2", timeZone: "America/New_York")
        let now: Int64 = 1_710_072_000_000  // 2024-03-10T12:00Z: 02:30 did not exist that day
        #expect(try reset.previousResetEdge(atMilliseconds: now) == 1_709_969_400_000)
        #expect(try reset.nextResetEdge(atMilliseconds: now) == 1_710_138_600_000)
    }

    @Test func resetInsideAFallBackFold_firesOnEachReading() throws {
        let reset = try Schedule.decodeReset("1m30h1", timeZone: "America/New_York")
        #expect(try reset.nextResetEdge(atMilliseconds: 1_730_610_000_000) == 1_730_611_800_000)
        #expect(try reset.nextResetEdge(atMilliseconds: 1_730_612_700_000) == 1_730_615_400_000)
    }

    @Test func emptySchedules_haveNoBoundary_andInstantsOutsideTheTableAreErrors() throws {
        #expect(try Schedule.nextBoundary(schedule: .empty, reset: .empty, atMilliseconds: 0) == nil)
        let reset = try Schedule.decodeReset("1m0h0", timeZone: "UTC")
        #expect(throws: ScheduleError.self) { try reset.nextResetEdge(atMilliseconds: Int64.max) }
    }
}
