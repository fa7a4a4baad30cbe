import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Accepts connections on a listening socket on a thread of its own and serves up to
/// ``Limits/maxConnections`` of them at once, each on a worker thread.
///
/// Every connection has one deadline, ``Limits/connectionTimeout`` after a worker takes it up;
/// the handler's reads and writes poll against it (``SocketIO``), so a peer that sends nothing,
/// trickles bytes or never reads its reply is dropped when the deadline passes and never holds up
/// the others. Connections beyond the cap wait in a short queue (``Limits/maxQueued``; one that
/// waited longer than the timeout is closed unserved); beyond the queue they are closed at once.
///
/// `stop()` stops accepting, gives connections in progress a moment to finish, shuts down the
/// rest, waits for every thread and closes the listening socket.
final class SocketListener: @unchecked Sendable {
    /// How many connections are served at once, queued, and for how long each.
    struct Limits: Sendable {
        /// Connections served at the same time (one thread each).
        var maxConnections = 16
        /// Accepted connections waiting for a worker; more are closed at once.
        var maxQueued = 64
        /// The whole exchange of one connection: request, handler, reply.
        var connectionTimeout: Duration = .seconds(5)
        /// How long `stop()` lets connections in progress finish before shutting them down.
        var stopGrace: Duration = .seconds(1)

        init(connectionTimeout: Duration = .seconds(5), maxConnections: Int = 16, maxQueued: Int = 64) {
            self.connectionTimeout = connectionTimeout
            self.maxConnections = max(1, maxConnections)
            self.maxQueued = max(0, maxQueued)
        }
    }

    private let listenFD: Int32  // owned; closed by stop()
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let name: String
    private let limits: Limits
    private let handler: @Sendable (Int32, ContinuousClock.Instant) -> Void
    private let logger: Logger
    private let finished = DispatchSemaphore(value: 0)
    // Guards every field below; signalled when a worker exits.
    private let condition = NSCondition()
    private var state: State = .idle
    /// Connections a worker is serving (stop() shuts them down after the grace).
    private var active: Set<Int32> = []
    /// Accepted connections waiting for a worker, with the time they were accepted.
    private var queue: [(fd: Int32, acceptedAt: ContinuousClock.Instant)] = []
    private var workers = 0
    private var refused = 0

    private enum State { case idle, running, stopped }

    init(
        listenFD: Int32, name: String, limits: Limits = Limits(), logger: Logger,
        handler: @escaping @Sendable (Int32, ContinuousClock.Instant) -> Void
    ) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ObservabilityError.system("pipe", name) }
        SocketIO.setCloseOnExec(fds[0])
        SocketIO.setCloseOnExec(fds[1])
        self.listenFD = listenFD
        self.wakeRead = fds[0]
        self.wakeWrite = fds[1]
        self.name = name
        self.limits = limits
        self.logger = logger
        self.handler = handler
    }

    /// Starts the accepting thread. Only the first call does anything.
    func start() {
        let shouldStart: Bool = condition.withLock {
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

    /// Connections being served right now (for tests and diagnostics).
    var activeConnections: Int { condition.withLock { active.count } }

    /// Connections closed unserved because the workers and the queue were full.
    var refusedConnections: Int { condition.withLock { refused } }

    /// Stops accepting, lets connections in progress finish for a moment, then shuts them down
    /// and waits for their threads; closes the sockets. Idempotent.
    func stop() {
        let previous: State = condition.withLock {
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

        condition.lock()
        for waiting in queue { close(waiting.fd) }
        queue.removeAll()
        let graceEnd = Date().addingTimeInterval(Self.seconds(limits.stopGrace))
        while workers > 0, condition.wait(until: graceEnd) {}
        // Fds in `active` are closed only under the lock, so none of these is a reused number.
        for connection in active { shutdown(connection, Int32(SHUT_RDWR)) }
        while workers > 0 { condition.wait() }
        condition.unlock()
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
            dispatch(connection)
        }
    }

    /// Hands a new connection to a new worker, the queue, or closes it when both are full.
    private func dispatch(_ connection: Int32) {
        enum Placement {
            case worker, queued
            case refused(Int)
        }
        let placement: Placement = condition.withLock {
            if workers < limits.maxConnections {
                workers += 1
                active.insert(connection)
                return .worker
            }
            if queue.count < limits.maxQueued {
                queue.append((connection, ContinuousClock.now))
                return .queued
            }
            refused += 1
            return .refused(refused)
        }
        switch placement {
        case .worker:
            let thread = Thread { [self] in work(connection) }
            thread.name = "\(name)-conn"
            thread.start()
        case .queued:
            break
        case .refused(let count):
            SocketIO.abort(connection)
            close(connection)
            // Powers of two: a flood of connections logs a handful of lines, not one each.
            if count & (count - 1) == 0 {
                logger.warning(
                    "\(name): too many connections; closed one at once",
                    metadata: ["refused": "\(count)", "max_connections": "\(limits.maxConnections)"])
            }
        }
    }

    /// A worker thread: serves `first`, then queued connections, until the queue is empty.
    private func work(_ first: Int32) {
        var next: Int32? = first
        while let connection = next {
            handler(connection, ContinuousClock.now + limits.connectionTimeout)
            next = condition.withLock {
                active.remove(connection)
                close(connection)
                while !queue.isEmpty {
                    let waiting = queue.removeFirst()
                    // A client that waited out its whole timeout has most likely given up.
                    if state == .stopped || ContinuousClock.now - waiting.acceptedAt > limits.connectionTimeout {
                        close(waiting.fd)
                        continue
                    }
                    active.insert(waiting.fd)
                    return waiting.fd
                }
                workers -= 1
                condition.broadcast()
                return nil
            }
        }
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
