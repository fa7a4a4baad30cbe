import Foundation
import TestPeers
import Testing

@testable import ZaeLimiter

@Suite struct UsageWindowTests {
    @Test func keysMatchTheReferenceFormats() {
        let ms: Int128 = 1_700_000_000_000  // 2023-11-14T22:13:20Z
        #expect(UsageWindow.hourly.key(forMilliseconds: ms) == "2023-11-14T22:00:00Z")
        #expect(UsageWindow.daily.key(forMilliseconds: ms) == "2023-11-14T00:00:00Z")
        #expect(UsageWindow.monthly.key(forMilliseconds: ms) == "2023-11-01T00:00:00Z")
    }

    @Test func midnight_hourlyAndDailyKeysCoincide() {
        let midnight: Int128 = 1_700_006_400_000  // 2023-11-15T00:00:00Z
        #expect(UsageWindow.hourly.key(forMilliseconds: midnight) == UsageWindow.daily.key(forMilliseconds: midnight))
        #expect(UsageWindow.hourly.key(forMilliseconds: midnight - 1) == "2023-11-14T23:00:00Z")
    }

    @Test func agreesWithFoundationOnRandomInstants() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH':00:00Z'"
        var rng = SeededRandom.announced(#function)
        for _ in 0..<2_000 {
            let ms = Int64.random(in: -2_000_000_000_000...4_102_444_800_000, using: &rng)
            let seconds = (ms >= 0 ? ms : ms - 999) / 1000
            let expected = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            #expect(UsageWindow.hourly.key(forMilliseconds: Int128(ms)) == expected, "ms \(ms)")
        }
    }

    @Test func yearsOutsidePythonRange_haveNoKey_andEarlyYearsAreNotPadded() {
        #expect(UsageWindow.daily.key(forMilliseconds: UsageWindow.maximumMilliseconds) == "9999-12-31T00:00:00Z")
        #expect(UsageWindow.daily.key(forMilliseconds: UsageWindow.maximumMilliseconds + 1) == nil)
        #expect(UsageWindow.hourly.key(forMilliseconds: UsageWindow.minimumMilliseconds) == "1-01-01T00:00:00Z")
        #expect(UsageWindow.hourly.key(forMilliseconds: UsageWindow.minimumMilliseconds - 1) == nil)
        #expect(UsageWindow.hourly.key(forMilliseconds: -50_000_000_000_000) == "385-07-25T07:00:00Z")
    }

    @Test func pythonIntegerGrammar() throws {
        #expect(try PythonInteger.parse(" -1_000 ").get() == -1000)
        #expect(try PythonInteger.parse("+007").get() == 7)
        for bad in ["", "-", "1.5", "1e3", "_1", "1_", "1__0", "0x10"] {
            #expect(PythonInteger.parse(bad) == .failure(.notAnInteger), "\(bad)")
        }
        #expect(PythonInteger.parse(String(repeating: "9", count: 39)) == .failure(.outOfRange))
        // Plain decimal texts of every length around the 18-digit shortcut, as Swift reads them.
        var rng = SeededRandom.announced(#function)
        for _ in 0..<2_000 {
            let digits = String(
                (0..<Int.random(in: 1...21, using: &rng)).map { _ in "0123456789".randomElement(using: &rng)! })
            let text = (Bool.random(using: &rng) ? "-" : "") + digits
            #expect(try PythonInteger.parse(text).get() == Int128(text), "\(text)")
        }
        #expect(PythonInteger.floorDivide(-1, by: 1000) == -1)
        #expect(PythonInteger.floorDivide(-1000, by: 1000) == -1)
        #expect(PythonInteger.floorDivide(1999, by: 1000) == 1)
    }
}
