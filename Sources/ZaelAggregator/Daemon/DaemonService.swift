/// One part of the daemon that runs from start-up to shutdown (a socket server, a timer, the
/// shard scheduler, the signal watcher): a name and what starting and stopping it does.
///
/// `DaemonLifecycle` starts a list of them in order and stops them in reverse order.
struct DaemonService {
    /// Names the service in tests and errors ("metrics", "scheduler", …).
    let name: String
    /// Starts the service. Throwing ends the start-up: the services started before this one are
    /// stopped (last first) and the error goes on to the caller.
    let start: () throws -> Void
    /// Stops the service; called at most once, and only after `start` returned.
    let stop: () -> Void

    init(_ name: String, start: @escaping () throws -> Void, stop: @escaping () -> Void) {
        self.name = name
        self.start = start
        self.stop = stop
    }
}
