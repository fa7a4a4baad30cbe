/// The daemon's services as one ordered list: started in order, stopped in reverse order.
///
/// A service may rely on every service before it in the list (the status socket reads the
/// scheduler, the watchdog follows `READY=1`), so it is stopped before them. A start that throws
/// stops the services already started, last first, before the error goes on: a failed start-up
/// leaves nothing running (a started scheduler drains and releases its leases). Used from one
/// thread (the daemon's main thread).
struct DaemonLifecycle {
    /// The services, in start order.
    let services: [DaemonService]
    /// How many services, from the front of the list, are running.
    private(set) var running = 0

    init(_ services: [DaemonService]) {
        self.services = services
    }

    /// Starts every service in order; on the first error, stops the started ones (last first)
    /// and rethrows. Calling it while services run does nothing.
    mutating func start() throws {
        guard running == 0 else { return }
        for service in services {
            do {
                try service.start()
            } catch {
                stop()
                throw error
            }
            running += 1
        }
    }

    /// Stops the running services, last started first. Calling it again does nothing.
    mutating func stop() {
        while running > 0 {
            running -= 1
            services[running].stop()
        }
    }
}
