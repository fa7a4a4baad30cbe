import AWSCore
import Foundation

/// How the daemon stops on SIGTERM/SIGINT, as one value sized to fit the unit's
/// `TimeoutStopSec=`, so that systemd never SIGKILLs a daemon that is still draining.
///
/// The drain asks every shard consumer to finish or abandon its batch, checkpoint and release its
/// lease. After ``drainTime`` the in-flight AWS calls are aborted, so a wedged call cannot hold the
/// stop; consumers still running at ``hardDeadline`` are left behind (their leases expire on their
/// own). A second SIGTERM/SIGINT during the drain exits at once with ``secondSignalExitStatus``.
struct ShutdownPolicy: Sendable, Equatable {
    /// How long the drain runs undisturbed before in-flight AWS calls are aborted.
    var drainTime: Duration
    /// How long the drain waits for the shard consumers, counted from its start.
    var hardDeadline: Duration
    /// What the stop still does after ``hardDeadline``: join the scheduler's loops, release the
    /// leases (aborted calls fail at once), stop the sockets, write the last EMF lines.
    var stopMargin: Duration
    /// The exit status after a second SIGTERM/SIGINT during the drain (128 + SIGINT, as a shell
    /// reports an interrupted command).
    var secondSignalExitStatus: Int32

    /// The daemon's policy: abort calls after 25 s, give up on consumers at 40 s, 10 s more to
    /// release and flush; the shipped unit's `TimeoutStopSec=60` leaves 10 s over that.
    static let standard = ShutdownPolicy(
        drainTime: .seconds(25), hardDeadline: .seconds(40), stopMargin: .seconds(10), secondSignalExitStatus: 130)

    /// The shortest `TimeoutStopSec=` under which a graceful stop always ends before systemd's
    /// SIGKILL.
    var requiredStopTimeout: Duration { hardDeadline + stopMargin }

    /// Runs `stop` (given ``hardDeadline``) on a thread of its own and waits for it; if it still
    /// runs after ``drainTime``, calls `abort` once and waits on. Returns whether `abort` ran.
    @discardableResult
    func drain(stop: @escaping @Sendable (_ deadline: Duration) -> Void, abort: () -> Void) -> Bool {
        let done = DispatchSemaphore(value: 0)
        let deadline = hardDeadline
        Thread.detachNewThread {
            stop(deadline)
            done.signal()
        }
        guard done.wait(timeout: .now() + drainTime.seconds) == .timedOut else { return false }
        abort()
        done.wait()
        return true
    }
}
