import Foundation

extension Process {
    /// Sends SIGTERM, waits up to `grace` seconds, then sends SIGKILL and reaps the process.
    ///
    /// Children of a Swift test process inherit a signal mask that blocks SIGTERM (Dispatch
    /// worker threads block it), so a peer that does not unblock it itself would never see
    /// `terminate()` and `waitUntilExit()` would hang for ever.
    func stop(grace: TimeInterval) {
        guard isRunning else { return }
        terminate()
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int64(grace * 1000)))
        while isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        if isRunning { kill(processIdentifier, SIGKILL) }
        waitUntilExit()
    }
}
