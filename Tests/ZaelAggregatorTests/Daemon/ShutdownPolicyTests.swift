import Dispatch
import Foundation
import TestPeers
import Testing

@testable import ZaelAggregator

/// `ShutdownPolicy`: its numbers fit the shipped unit's `TimeoutStopSec=` (so systemd never
/// SIGKILLs a daemon still draining), and its drain escalates to aborting calls when slow.
@Suite struct ShutdownPolicyTests {
    let policy = ShutdownPolicy.standard

    @Test func standard_abortsCallsBeforeGivingUpOnConsumers() {
        #expect(policy.drainTime > .zero)
        #expect(policy.drainTime < policy.hardDeadline)
        #expect(policy.stopMargin > .zero)
        #expect(policy.requiredStopTimeout == policy.hardDeadline + policy.stopMargin)
    }

    @Test func standard_secondSignalExitStatus_isAFailureNotRestartPrevented() {
        // 0 would read as a clean stop; 78 is the unit's RestartPreventExitStatus (bad configuration).
        #expect(policy.secondSignalExitStatus != 0)
        #expect(policy.secondSignalExitStatus != ConfigurationError.exitCode)
        #expect((1...255).contains(policy.secondSignalExitStatus))
    }

    @Test func shippedUnits_stopTimeoutLeavesRoomForTheWholeStop() throws {
        let directory = Peers.repoRoot.appendingPathComponent("systemd")
        let units = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".service") }.sorted()
        #expect(!units.isEmpty)
        for unit in units {
            let text = try String(contentsOf: directory.appendingPathComponent(unit), encoding: .utf8)
            let value = try #require(
                Self.serviceSetting("TimeoutStopSec", in: text) ?? Self.serviceSetting("TimeoutSec", in: text),
                "\(unit) sets no TimeoutStopSec=; systemd's default may be shorter than the drain")
            guard let timeout = try #require(Self.timeSpan(value), "\(unit): cannot read TimeoutStopSec=\(value)")
            else { continue }  // infinity: systemd never SIGKILLs
            #expect(
                policy.requiredStopTimeout <= timeout,
                "\(unit): TimeoutStopSec=\(value) is shorter than the drain's \(policy.requiredStopTimeout)")
        }
    }

    @Test func timeSpanParser_readsSystemdSpans() throws {
        // Guards the test above: the spans systemd.time(7) documents.
        #expect(Self.timeSpan("60") == .some(.seconds(60)))
        #expect(Self.timeSpan("60s") == .some(.seconds(60)))
        #expect(Self.timeSpan("1min 30s") == .some(.seconds(90)))
        #expect(Self.timeSpan("2m30sec") == .some(.seconds(150)))
        #expect(Self.timeSpan("1h") == .some(.seconds(3600)))
        #expect(Self.timeSpan("1500ms") == .some(.milliseconds(1500)))
        #expect(Self.timeSpan("infinity") == .some(nil))
        #expect(Self.timeSpan("sixty") == nil)
        #expect(Self.timeSpan("") == nil)
        #expect(Self.serviceSetting("TimeoutStopSec", in: "[Service]\nTimeoutStopSec=5\nTimeoutStopSec=7\n") == "7")
        #expect(Self.serviceSetting("TimeoutStopSec", in: "[Unit]\nTimeoutStopSec=5\n") == nil)
        #expect(Self.serviceSetting("TimeoutStopSec", in: "[Service]\n# TimeoutStopSec=5\n") == nil)
    }

    @Test func fastDrain_neverAborts() {
        let fast = ShutdownPolicy(
            drainTime: .seconds(5), hardDeadline: .seconds(7), stopMargin: .seconds(1), secondSignalExitStatus: 130)
        let given = LockedBox<Duration?>(nil)
        var aborts = 0
        let aborted = fast.drain(stop: { given.value = $0 }, abort: { aborts += 1 })
        #expect(!aborted)
        #expect(aborts == 0)
        #expect(given.value == fast.hardDeadline)
    }

    @Test func slowDrain_abortsOnceAfterTheDrainTime_thenWaitsForTheStop() {
        let slow = ShutdownPolicy(
            drainTime: .milliseconds(50), hardDeadline: .seconds(7), stopMargin: .seconds(1),
            secondSignalExitStatus: 130)
        // The stop ends only once the calls are aborted, as a wedged AWS call would.
        let abortRaised = DispatchSemaphore(value: 0)
        let finished = LockedBox(false)
        var aborts = 0
        let began = ContinuousClock.now
        let aborted = slow.drain(
            stop: { _ in
                _ = abortRaised.wait(timeout: .now() + 10)
                finished.value = true
            },
            abort: {
                aborts += 1
                abortRaised.signal()
            })
        #expect(aborted)
        #expect(aborts == 1)
        #expect(finished.value, "drain returned before the stop ended")
        #expect(ContinuousClock.now - began >= slow.drainTime)
        #expect(ContinuousClock.now - began < .seconds(10), "the abort never reached the stop")
    }

    /// The value of `TimeoutStopSec=`-like `key` in the unit's [Service] section (the last
    /// assignment wins, as in systemd), or nil.
    static func serviceSetting(_ key: String, in text: String) -> String? {
        var section = ""
        var value: String?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                section = line
            } else if section == "[Service]", line.hasPrefix(key + "=") {
                value = String(line.dropFirst(key.count + 1)).trimmingCharacters(in: .whitespaces)
            }
        }
        return value
    }

    /// A systemd time span ("60", "1min 30s", "infinity"): `.some(nil)` for infinity, nil when
    /// unreadable.
    static func timeSpan(_ text: String) -> Duration?? {
        if text == "infinity" { return .some(nil) }
        let units: [(String, Duration)] = [
            ("usec", .microseconds(1)), ("us", .microseconds(1)), ("msec", .milliseconds(1)), ("ms", .milliseconds(1)),
            ("seconds", .seconds(1)), ("second", .seconds(1)), ("sec", .seconds(1)), ("s", .seconds(1)),
            ("minutes", .seconds(60)), ("minute", .seconds(60)), ("min", .seconds(60)), ("m", .seconds(60)),
            ("hours", .seconds(3600)), ("hour", .seconds(3600)), ("hr", .seconds(3600)), ("h", .seconds(3600)),
        ]
        var rest = Substring(text.filter { $0 != " " })
        guard !rest.isEmpty else { return nil }
        var total = Duration.zero
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard let number = Int(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(letters.count)
            if letters.isEmpty {
                total += .seconds(number)
            } else if let unit = units.first(where: { $0.0 == letters }) {
                total += unit.1 * number
            } else {
                return nil
            }
        }
        return .some(total)
    }
}
