import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Accepts connections on a listening socket on a thread of its own and hands each one to a
/// handler, one at a time.
///
/// Each accepted socket gets receive/send timeouts, so a stalled peer delays the next one by at
/// most the timeout. `stop()` wakes the thread through a pipe, waits for it to finish and closes
/// the listening socket.
final class SocketListener: @unchecked Sendable {
    private let listenFD: Int32  // owned; closed by stop()
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let name: String
    private let timeoutSeconds: Int
    private let handler: @Sendable (Int32) -> Void
    private let logger: Logger
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var state: State = .idle  // guarded by `lock`

    private enum State { case idle, running, stopped }

    init(
        listenFD: Int32, name: String, timeoutSeconds: Int, logger: Logger, handler: @escaping @Sendable (Int32) -> Void
    ) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ObservabilityError.system("pipe", name) }
        SocketIO.setCloseOnExec(fds[0])
        SocketIO.setCloseOnExec(fds[1])
        self.listenFD = listenFD
        self.wakeRead = fds[0]
        self.wakeWrite = fds[1]
        self.name = name
        self.timeoutSeconds = timeoutSeconds
        self.logger = logger
        self.handler = handler
    }

    func start() {
        let shouldStart: Bool = lock.withLock {
            guard state == .idle else { return false }
            state = .running
            return true
        }
        guard shouldStart else { return }
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Stops accepting, waits for the connection in progress, closes the sockets. Idempotent.
    func stop() {
        let previous: State = lock.withLock {
            let previous = state
            state = .stopped
            return previous
        }
        guard previous != .stopped else { return }
        if previous == .running {
            var byte: UInt8 = 1
            _ = write(wakeWrite, &byte, 1)
            finished.wait()
        }
        close(listenFD)
        close(wakeRead)
        close(wakeWrite)
    }

    private func run() {
        var fds = [
            pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            fds[0].revents = 0
            fds[1].revents = 0
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                logger.error("poll failed; \(name) stops serving", metadata: ["errno": "\(errno)"])
                return
            }
            if fds[1].revents != 0 { return }
            guard fds[0].revents != 0 else { continue }
            let connection = accept(listenFD, nil, nil)
            if connection < 0 {
                // EMFILE and friends: back off instead of spinning on a readable listener.
                if errno != EINTR && errno != EAGAIN && errno != ECONNABORTED { usleep(100_000) }
                continue
            }
            SocketIO.setCloseOnExec(connection)
            SocketIO.setTimeouts(connection, seconds: timeoutSeconds)
            handler(connection)
            close(connection)
        }
    }
}
