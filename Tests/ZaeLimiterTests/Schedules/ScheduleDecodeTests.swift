import Testing

@testable import ZaeLimiter

/// The compact-schedule parser's edge cases, one behaviour each, with the outcome
/// zae-limiter 0.17.0's `decode` / `decode_reset` gives (its source is the authority; the
/// oracle suite checks the same on random input).
@Suite struct ScheduleDecodeTests {
    static func kind(_ compact: String, _ zone: String = "UTC", reset: Bool = false) -> String {
        do throws(ScheduleError) {
            _ = reset ? try Schedule.decodeReset(compact, timeZone: zone) : try Schedule.decode(compact, timeZone: zone)
            return "ok"
        } catch {
            return error.kind.rawValue
        }
    }

    static func entry(_ compact: String, _ zone: String = "UTC") throws -> Schedule.Entry {
        let schedule = try Schedule.decode(compact, timeZone: zone)
        return try #require(schedule.entries.first)
    }

    static func bits(_ mask: some BinaryInteger, _ range: ClosedRange<Int>) -> [Int] {
        range.filter { mask & (1 << $0) != 0 }
    }

    @Test func emptyText_isTheEmptySchedule_withoutLookingAtTheZone() throws {
        #expect(try Schedule.decode("", timeZone: "Nowhere/Zone").isEmpty)
        #expect(try Schedule.decodeReset("", timeZone: "").isEmpty)
    }

    @Test func versionMarker_mustBeOne() {
        #expect(Self.kind("1m0s500") == "ok")
        #expect(Self.kind("01m0s500") == "ok")
        for text in ["m0s500", "2m0s500", "0m0s500", "1", "11m0s500", "x1m0s500"] {
            #expect(Self.kind(text) == "invalid", "\(text)")
        }
    }

    @Test func tokeniser_refusesUnknownDuplicateAndEmptyTags() {
        #expect(Self.kind("1m0m1s5") == "invalid")
        #expect(Self.kind("1x5s5") == "invalid")
        #expect(Self.kind("1mh5s5") == "invalid")
        #expect(Self.kind("1m5;;h3s10") == "invalid")
    }

    @Test func emptyEntry_isRefusedAsAParameterEntry_butMatchesAlwaysAsAReset() throws {
        #expect(Self.kind("1m0s5;") == "invalid")
        let reset = try Schedule.decodeReset("1m0;", timeZone: "UTC")
        #expect(reset.entries.count == 2)
        #expect(reset.entries[1].cron.minutes.nonzeroBitCount == 60)
    }

    @Test func names_workUnlessTheyCollideWithATagLetter() throws {
        #expect(Self.bits(try Self.entry("1wTUE-FRIs500").cron.weekdays, 1...7) == [2, 3, 4, 5])
        #expect(Self.bits(try Self.entry("1wSUNs500").cron.weekdays, 1...7) == [7])
        #expect(Self.bits(try Self.entry("1wtues500").cron.weekdays, 1...7) == [2])
        #expect(Self.bits(try Self.entry("1MJUN-AUGs500").cron.months, 1...12) == [6, 7, 8])
        // M, D, s, a, c, m are tags: MON, WED, DEC, sun, jan are cut into other tokens.
        for text in ["1wMONs5", "1wWEDs5", "1MDECs5", "1wsuns5", "1Mjans5"] {
            #expect(Self.kind(text) == "invalid", "\(text)")
        }
    }

    @Test func sunday_isSevenWhateverItsSpelling() throws {
        #expect(Self.bits(try Self.entry("1w0s500").cron.weekdays, 1...7) == [7])
        #expect(Self.bits(try Self.entry("1w7/2s500").cron.weekdays, 1...7) == [7])
        #expect(Self.bits(try Self.entry("1wSUN/2s500").cron.weekdays, 1...7) == [2, 4, 6, 7])
        #expect(Self.bits(try Self.entry("1w0-7s500").cron.weekdays, 1...7) == [1, 2, 3, 4, 5, 6, 7])
    }

    @Test func steps_followCronsim() throws {
        #expect(Self.bits(try Self.entry("1m5/15s5").cron.minutes, 0...59) == [5, 20, 35, 50])
        #expect(Self.bits(try Self.entry("1m5-5/15s5").cron.minutes, 0...59) == [5])
        #expect(Self.bits(try Self.entry("1m10-20/4,58s5").cron.minutes, 0...59) == [10, 14, 18, 58])
        #expect(Self.bits(try Self.entry("1h*/7s5").cron.hours, 0...23) == [0, 7, 14, 21])
        for text in ["1m*/0s5", "1m1/2/3s5", "1m5-3s5", "1m60s5", "1h24s5", "1D0s5", "1M13s5", "1w8s5", "1m1,s5"] {
            #expect(Self.kind(text) == "invalid", "\(text)")
        }
    }

    @Test func extendedTokens_areRefused() {
        for text in ["1DLs5", "1DLWs5", "1w5Ls5", "1w1#2s5", "1DL/2s5"] {
            #expect(Self.kind(text) == "invalid", "\(text)")
        }
    }

    @Test func impossibleDayOfMonth_isRefusedOnlyWhenBothDayFieldsMustMatch() {
        #expect(Self.kind("1D30M2s5") == "invalid")
        #expect(Self.kind("1D31M4s5") == "invalid")
        #expect(Self.kind("1D29M2s5") == "ok")
        #expect(Self.kind("1D30M2w1s5") == "ok")
        #expect(Self.kind("1D31M2,3s5") == "ok")
    }

    @Test func modifierIntegers_followPythonInt() throws {
        for text in ["1s+500", "1s 500", "1s5_00", "1s٥٠٠", "1s0500"] {
            #expect(try Self.entry(text).modifier == .scale(perMille: 500), "\(text)")
        }
        for text in ["1s5__0", "1s_5", "1s5_", "1s5.0", "1s0", "1s-5", "1s1000000001", "1s"] {
            #expect(Self.kind(text) == "invalid", "\(text)")
        }
        #expect(try Self.entry("1s1000000000").modifier == .scale(perMille: 1_000_000_000))
        #expect(Self.kind("1s" + String(repeating: "9", count: 320)) == "unreadable")
        #expect(Self.kind("1s" + String(repeating: "9", count: 308)) == "invalid")
        #expect(Self.kind("1s" + String(repeating: "9", count: 4_400)) == "invalid")
    }

    @Test func absoluteEntries_needOneToThreeValuesWithinBounds() throws {
        #expect(
            try Self.entry("1c10p60").modifier
                == .absolute(capacity: 10, refillAmount: nil, refillPeriodSeconds: 60))
        #expect(Self.kind("1c1000000000000000") == "ok")
        #expect(Self.kind("1c1000000000000001") == "invalid")
        #expect(Self.kind("1p1000000001") == "invalid")
        #expect(Self.kind("1s5c5") == "invalid")
        #expect(Self.kind("1m0") == "invalid")
    }

    @Test func resetEntries_carryNoModifier() {
        #expect(Self.kind("1m0h0", reset: true) == "ok")
        #expect(Self.kind("1m0s5", reset: true) == "invalid")
        #expect(Self.kind("1m0;h1c5", reset: true) == "invalid")
    }

    @Test func zoneKeys_followZoneinfo() {
        #expect(Self.kind("1m0s5", "Europe/Berlin") == "ok")
        #expect(Self.kind("1m0s5", "America") == "unreadable")
        for zone in ["Mars/Olympus", "../UTC", "/usr/share/zoneinfo/UTC", "America/New_York/", "", "utc", "PST", "."] {
            #expect(Self.kind("1m0s5", zone) == "invalid", "\(zone)")
        }
    }

    @Test func errorOrder_integerConversionsComeBeforeTheZone() {
        // Python builds the ScheduleEntry arguments (int(s) / 1000 overflows) before parse_cron.
        #expect(Self.kind("1s" + String(repeating: "9", count: 320), "Mars/Olympus") == "unreadable")
        // ... and the zone before the cron text and the modifier checks.
        #expect(Self.kind("1m99s0", "America") == "unreadable")
        // ... but after the tokeniser, which refuses "mm" first.
        #expect(Self.kind("1mm0s5", "America") == "invalid")
        #expect(Self.kind("1m0x", "America") == "unreadable")
    }
}
