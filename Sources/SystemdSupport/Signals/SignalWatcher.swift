import Dispatch
import Foundation

// The write end of the active watcher's pipe, read by the C signal handler. Written only by
// SignalWatcher.init/cancel under `SignalWatcher.activeLock`, before the handler is installed or
// after it is removed; the handler only reads it.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

// The async-signal-safe part: write the signal number into the pipe, preserve errno.
private let forwardSignal: @convention(c) (Int32) -> Void = { number in
    let saved = errno
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipeWriteEnd, &byte, 1)
    errno = saved
}

/// Turns SIGTERM, SIGINT and SIGHUP into plain callbacks on a queue, so the daemon handles them in
/// ordinary code (begin shutdown, reload) instead of in a signal handler.
///
/// A minimal handler writes the signal number into a pipe (the self-pipe trick); a dispatch read
/// source on the other end calls `handler`. Unlike a signal dispatch source, this needs no signal
/// mask in every thread, so it works however many threads already run. One watcher per process;
/// `cancel()` restores the default actions.
public final class SignalWatcher: @unchecked Sendable {
    /// The signals a daemon under systemd receives.
    public enum Signal: Int32, Sendable, CaseIterable {
        /// `systemctl stop`: graceful shutdown.
        case terminate = 15
        /// Ctrl-C in a terminal: graceful shutdown.
        case interrupt = 2
        /// `systemctl reload` (ExecReload=kill -HUP): reload the configuration.
        case hangup = 1
    }

    /// Serialises installing and removing watchers (there is one pipe slot).
    private static let activeLock = NSLock()

    private let signals: [Signal]
    private let source: DispatchSourceRead
    private let lock = NSLock()
    // Guarded by `lock`.
    private var cancelled = false

    /// Starts watching `signals`; `handler` runs on `queue` once per delivery.
    /// Throws `SystemdError` if the pipe cannot be made or another watcher is active.
    public init(
        _ signals: [Signal], queue: DispatchQueue, handler: @escaping @Sendable (Signal) -> Void
    ) throws {
        // Every fallible step comes before the stored properties, so a failed init leaves nothing
        // to undo (and no suspended dispatch source to release).
        var fds: [Int32] = [-1, -1]
        try Self.activeLock.withLock {
            guard signalPipeWriteEnd == -1 else {
                throw SystemdError(operation: "signal watcher", code: EBUSY, detail: "another watcher is active")
            }
            guard pipe(&fds) == 0 else { throw SystemdError(operation: "pipe", code: errno) }
            for fd in fds {
                // Non-blocking both ends: the handler must never block; the reader drains to EAGAIN.
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            }
            signalPipeWriteEnd = fds[1]
            var action = sigaction()
            action.__sigaction_handler.sa_handler = forwardSignal
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            for watched in signals { sigaction(watched.rawValue, &action, nil) }
        }
        self.signals = signals
        let readEnd = fds[0]
        let writeEnd = fds[1]
        source = DispatchSource.makeReadSource(fileDescriptor: readEnd, queue: queue)
        source.setEventHandler {
            var buffer = [UInt8](repeating: 0, count: 64)
            while true {
                let n = read(readEnd, &buffer, buffer.count)
                guard n > 0 else { return }
                for byte in buffer[0..<n] {
                    if let signal = Signal(rawValue: Int32(byte)) { handler(signal) }
                }
            }
        }
        source.setCancelHandler {
            close(readEnd)
            close(writeEnd)
        }
        source.resume()
    }

    /// Stops watching and restores the default actions.
    public func cancel() {
        let first = lock.withLock {
            defer { cancelled = true }
            return !cancelled
        }
        guard first else { return }
        Self.activeLock.withLock {
            for watched in signals { signal(watched.rawValue, SIG_DFL) }
            signalPipeWriteEnd = -1
        }
        source.cancel()
    }

    deinit {
        cancel()
    }
}
