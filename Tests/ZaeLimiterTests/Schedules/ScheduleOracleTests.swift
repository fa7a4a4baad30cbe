import Foundation
import TestPeers
import Testing

@testable import ZaeLimiter

/// The Swift schedule functions against zae-limiter 0.17.0's own `zae_limiter.schedule`, on
/// seeded random (schedule, reset schedule, time zone, instant) cases that
/// `Tests/peers/zl_schedule_vectors.py` draws and evaluates with the real library. Every
/// function's result, and whether it raised (and which kind), must agree on every case.
///
/// `ZAEL_SCHEDULE_SEED` and `ZAEL_SCHEDULE_CASES` override the seed and the case count.
@Suite struct ScheduleOracleTests {
    /// Tally of comparisons per function, and the first disagreements in full.
    struct Tally {
        var compared: [String: Int] = [:]
        var mismatches: [String] = []
        var mismatchCount = 0

        mutating func check(_ function: String, _ swift: String, _ python: String, _ context: @autoclosure () -> String)
        {
            compared[function, default: 0] += 1
            guard swift != python else { return }
            mismatchCount += 1
            if mismatches.count < 20 {
                mismatches.append("\(function): swift \(swift) python \(python) in \(context())")
            }
        }
    }

    static func kind(_ error: ScheduleError) -> String {
        switch error.kind {
        case .invalid: return "ValueError"
        case .unreadable: return "other exception"
        case .outOfRange:
            // zae-limiter's backward reset scan never returns at some DST gaps; the generator
            // reports that as "stalled", the Swift port as this error.
            return error.message.contains("loops forever") ? "stalled" : "out of range (\(error.message))"
        }
    }

    static func pythonKind(_ status: String) -> String {
        status == "ok" || status == "ValueError" ? status : "other exception"
    }

    static func text(_ value: Int64?) -> String { value.map(String.init) ?? "None" }

    static func text(_ result: Result<Int64?, ScheduleError>) -> String {
        switch result {
        case .success(let value): return text(value)
        case .failure(let error): return kind(error)
        }
    }

    static func python(_ value: Any?) -> String { (value as? String) ?? "None" }

    @Test func agreesWithZaeLimiterOnSeededCases() throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = Int(environment["ZAEL_SCHEDULE_SEED"] ?? "") ?? 20_261_205
        let count = Int(environment["ZAEL_SCHEDULE_CASES"] ?? "") ?? 20_000
        print("schedule oracle: seed \(seed), \(count) cases (ZAEL_SCHEDULE_SEED / ZAEL_SCHEDULE_CASES)")
        #expect(Peers.available, "the test venv is missing: \(Peers.python.path)")
        let started = Date()
        let output = try Peers.runPython([
            Peers.script("zl_schedule_vectors.py").path, "--seed", "\(seed)", "--count", "\(count)",
        ])
        let generated = Date()
        var tally = Tally()
        var cases = 0
        for line in output.split(separator: UInt8(ascii: "\n")) {
            let object = try JSONSerialization.jsonObject(with: Data(line))
            let row = try #require(object as? [String: Any])
            cases += 1
            compare(row, &tally)
        }
        let finished = Date()
        let perFunction = tally.compared.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        print(
            "schedule oracle: \(cases) cases, \(tally.compared.values.reduce(0, +)) comparisons ("
                + perFunction.joined(separator: ", ") + "), \(tally.mismatchCount) mismatches; python "
                + String(
                    format: "%.1f s, swift %.1f s", generated.timeIntervalSince(started),
                    finished.timeIntervalSince(generated)))
        #expect(cases == count)
        #expect(tally.mismatchCount == 0, "\(tally.mismatches.joined(separator: "\n"))")
    }

    func compare(_ row: [String: Any], _ tally: inout Tally) {
        let schedText = row["sched"] as? String ?? ""
        let resetText = row["rsched"] as? String ?? ""
        let zone = row["tz"] as? String ?? ""
        let now = Int64(row["now"] as? String ?? "") ?? 0
        let context = "sched \(schedText.debugDescription) rsched \(resetText.debugDescription) tz \(zone) now \(now)"
        let schedule = Result { () throws(ScheduleError) in try Schedule.decode(schedText, timeZone: zone) }
        let reset = Result { () throws(ScheduleError) in try Schedule.decodeReset(resetText, timeZone: zone) }
        func status(_ result: Result<Schedule, ScheduleError>) -> String {
            switch result {
            case .success: return "ok"
            case .failure(let error): return Self.kind(error)
            }
        }
        tally.check("decode", status(schedule), Self.pythonKind(row["decode"] as? String ?? ""), context)
        tally.check("decode_reset", status(reset), Self.pythonKind(row["decode_reset"] as? String ?? ""), context)
        if case .success(let schedule) = schedule, row["decode"] as? String == "ok" {
            let bases: [(Int128, Int128, Int128)] = [
                (10_000_000, 1_000_000, 60_000), (5_000, 0, 1_000), (7, 3, 1_000),
                (123_456_789_012_345_678_901, 9_876_543, 1_000),
            ]
            let expected = row["params"] as? [[String]] ?? []
            for (index, base) in bases.enumerated() {
                let swift: String
                do throws(ScheduleError) {
                    let result = try schedule.effectiveParameters(
                        capacity: base.0, refillAmount: base.1, refillPeriod: base.2, atMilliseconds: now)
                    swift = "\(result.capacity),\(result.refillAmount),\(result.refillPeriod)"
                } catch {
                    swift = Self.kind(error)
                }
                let python = index < expected.count ? expected[index].joined(separator: ",") : "missing"
                tally.check("effective_params", swift, python, context)
            }
            let active = Result { () throws(ScheduleError) in try schedule.activeEntryIndex(atMilliseconds: now) }
            tally.check(
                "matches", Self.text(active.map { $0.map(Int64.init) }),
                (row["active"] as? Int).map(String.init) ?? "None", context)
            let boundary = Result { () throws(ScheduleError) in
                try Schedule.nextBoundary(schedule: schedule, reset: .empty, atMilliseconds: now)
            }
            tally.check("next_boundary(sched)", Self.text(boundary), Self.python(row["boundary_sched"]), context)
        }
        if case .success(let reset) = reset, row["decode_reset"] as? String == "ok" {
            let previous = Result { () throws(ScheduleError) in try reset.previousResetEdge(atMilliseconds: now) }
            tally.check("prev_reset_edge", Self.text(previous), Self.python(row["prev"]), context)
            let next = Result { () throws(ScheduleError) in try reset.nextResetEdge(atMilliseconds: now) }
            tally.check("next_reset_edge", Self.text(next), Self.python(row["next"]), context)
            if !resetText.isEmpty {
                let boundary = Result { () throws(ScheduleError) in
                    try Schedule.nextBoundary(schedule: .empty, reset: reset, atMilliseconds: now)
                }
                tally.check("next_boundary(reset)", Self.text(boundary), Self.python(row["boundary_reset"]), context)
            }
        }
        if case .success(let schedule) = schedule, case .success(let reset) = reset, row["boundary"] != nil {
            let boundary = Result { () throws(ScheduleError) in
                try Schedule.nextBoundary(schedule: schedule, reset: reset, atMilliseconds: now)
            }
            tally.check("next_boundary(both)", Self.text(boundary), Self.python(row["boundary"]), context)
        }
    }
}
