import AWSCore
import Foundation
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// The engine's waits: they end at their deadline on the real (monotonic) clock, at once when
/// fired, and on a `ManualClock` only when the test advances it.
@Suite struct StopLatchTests {
    @Test func systemClock_waitEndsAtItsDeadline() {
        let signal = StopLatch()
        let started = ContinuousClock.now
        #expect(!signal.wait(.milliseconds(150)))
        let waited = started.duration(to: .now)
        #expect(waited >= .milliseconds(150) && waited < .milliseconds(1500), "waited \(waited)")
    }

    @Test func fire_wakesAWaitAtOnce() {
        let signal = StopLatch()
        let started = ContinuousClock.now
        Thread {
            Thread.sleep(forTimeInterval: 0.05)
            signal.fire()
        }.start()
        #expect(signal.wait(.seconds(30)))
        #expect(started.duration(to: .now) < .seconds(10))
        #expect(signal.wait(.seconds(30)))  // a fired signal stays fired
    }

    @Test func wakeup_endsAWaitAtOnceAndIsConsumed() {
        let wakeup = Wakeup()
        var started = ContinuousClock.now
        Thread {
            Thread.sleep(forTimeInterval: 0.05)
            wakeup.wake()
        }.start()
        wakeup.wait(.seconds(30))
        #expect(started.duration(to: .now) < .seconds(10))
        started = ContinuousClock.now
        wakeup.wait(.milliseconds(100))  // the wake-up was consumed: this one runs to its end
        #expect(started.duration(to: .now) >= .milliseconds(100))
    }

    @Test func manualClock_waitEndsOnlyWhenAdvancedPastTheDeadline() {
        let clock = ManualClock()
        let signal = StopLatch(clock: clock)
        let started = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let result = ResultFlag()
        // A thread of its own: in a full run Dispatch's pool may start a queued block late, after
        // the advances below, and its deadline would then lie past them.
        Thread {
            started.signal()
            result.value = signal.wait(.seconds(60))
            done.signal()
        }.start()
        #expect(started.wait(timeout: .now() + 10) == .success)
        // Real time passes, the manual clock does not: the wait goes on.
        #expect(done.wait(timeout: .now() + 0.3) == .timedOut)
        clock.advance(by: .seconds(30))
        #expect(done.wait(timeout: .now() + 0.3) == .timedOut)
        clock.advance(by: .seconds(30))
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(result.value == false)
    }
}

/// A value written by one thread before a semaphore signal and read after the wait.
final class ResultFlag: @unchecked Sendable {
    // Ordered by the test's semaphore.
    var value: Bool?
}
