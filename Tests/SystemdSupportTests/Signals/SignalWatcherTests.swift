import Dispatch
import Foundation
import TestPeers
import Testing

@testable import SystemdSupport

@Suite struct SignalWatcherTests {
    @Test func signalNumbers_matchThePlatform() {
        #expect(SignalWatcher.Signal.terminate.rawValue == SIGTERM)
        #expect(SignalWatcher.Signal.interrupt.rawValue == SIGINT)
        #expect(SignalWatcher.Signal.hangup.rawValue == SIGHUP)
    }

    @Test func hangup_isDeliveredAsACallback() throws {
        let delivered = DispatchSemaphore(value: 0)
        let received = LockedBox<SignalWatcher.Signal?>(nil)
        let watcher = try SignalWatcher([.hangup], queue: DispatchQueue(label: "test.signals")) { signal in
            received.value = signal
            delivered.signal()
        }
        defer { watcher.cancel() }
        #expect(kill(getpid(), SIGHUP) == 0)  // would end the test process if not handled
        #expect(delivered.wait(timeout: .now() + 5) == .success)
        #expect(received.value == .hangup)
        // One watcher per process: a second one is refused while the first is active.
        #expect(throws: SystemdError.self) { _ = try SignalWatcher([.terminate], queue: .main) { _ in } }
    }
}
