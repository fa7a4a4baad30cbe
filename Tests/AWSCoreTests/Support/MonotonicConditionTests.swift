import Foundation
import Testing

@testable import AWSCore

@Suite struct MonotonicConditionTests {
    @Test func timedWait_endsAtItsDeadline() {
        let condition = MonotonicCondition()
        let started = ContinuousClock.now
        condition.lock()
        let woken = condition.wait(for: .milliseconds(150))
        condition.unlock()
        let waited = started.duration(to: .now)
        #expect(!woken)
        #expect(waited >= .milliseconds(150), "waited \(waited)")
        // Generous on a loaded machine, but far below a wall-clock mix-up of seconds.
        #expect(waited < .milliseconds(1500), "waited \(waited)")
    }

    @Test func pastDeadline_returnsAtOnce() {
        let condition = MonotonicCondition()
        let started = ContinuousClock.now
        let woken = condition.withLock { condition.wait(until: started.advanced(by: .milliseconds(-10))) }
        #expect(!woken)
        #expect(started.duration(to: .now) < .milliseconds(100))
    }

    @Test func signal_wakesAWaiterBeforeItsDeadline() {
        let condition = MonotonicCondition()
        let box = Flag()
        let done = DispatchSemaphore(value: 0)
        let started = ContinuousClock.now
        Thread {
            condition.lock()
            while !box.isSet { if !condition.wait(for: .seconds(30)) { break } }
            condition.unlock()
            done.signal()
        }.start()
        Thread.sleep(forTimeInterval: 0.05)
        condition.withLock {
            box.set()
            condition.signal()
        }
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(started.duration(to: .now) < .seconds(10))
    }

    @Test func broadcast_wakesEveryWaiter() {
        let condition = MonotonicCondition()
        let box = Flag()
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread {
                condition.lock()
                while !box.isSet { if !condition.wait(for: .seconds(30)) { break } }
                condition.unlock()
                group.leave()
            }.start()
        }
        condition.withLock {
            box.set()
            condition.broadcast()
        }
        #expect(group.wait(timeout: .now() + 10) == .success)
    }

    @Test func stopLatchWait_endsAtItsDurationOrAtOnceWhenFired() {
        let flag = StopLatch()
        var started = ContinuousClock.now
        #expect(!flag.wait(.milliseconds(120)))
        let slept = started.duration(to: .now)
        #expect(slept >= .milliseconds(120) && slept < .milliseconds(1500), "slept \(slept)")

        started = ContinuousClock.now
        Thread {
            Thread.sleep(forTimeInterval: 0.05)
            flag.fire()
        }.start()
        #expect(flag.wait(.seconds(30)))
        #expect(started.duration(to: .now) < .seconds(10))
    }

    @Test func deadlineArithmetic_carriesNanoseconds() {
        let target = MonotonicCondition.monotonicNow(plus: .nanoseconds(999_999_999))
        #expect((0..<1_000_000_000).contains(target.tv_nsec))
        let far = MonotonicCondition.monotonicNow(plus: .seconds(Int64.max / 2))
        #expect(far.tv_sec > 0)
    }
}

/// A flag shared with a waiting thread; guarded by the condition the test uses.
final class Flag: @unchecked Sendable {
    // Read and written only with the test's condition held.
    private(set) var isSet = false
    func set() { isSet = true }
}
