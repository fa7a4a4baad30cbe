import Foundation

/// A thread-safe registry of components that must keep making progress (shard workers, the lease
/// renewer): each registers with a deadline and beats whenever it gets something done; `check`
/// names those silent for longer than their deadline. `WatchdogService` withholds its systemd
/// pings while any component is stale, so systemd restarts a daemon that is alive but wedged.
///
/// A component waiting legitimately (an idle shard between polls) must still beat once per poll:
/// "progress" means "the loop came round", not "records arrived".
public final class ProgressMonitor: @unchecked Sendable {
    /// The handle a component beats with; unregister it when the component stops.
    public struct Token: Hashable, Sendable {
        let id: UInt64
    }

    /// A component that missed its deadline.
    public struct StaleComponent: Sendable, Equatable {
        /// The name given at registration, e.g. `shard shardId-000…` or `lease renewer`.
        public var name: String
        /// How long since its last beat (or its registration).
        public var silentFor: Duration
        /// The deadline it registered with.
        public var deadline: Duration
    }

    private struct Entry {
        var name: String
        var deadline: Duration
        var lastBeat: ContinuousClock.Instant
    }

    private let now: @Sendable () -> ContinuousClock.Instant
    private let lock = NSLock()
    // Guarded by `lock`.
    private var entries: [UInt64: Entry] = [:]
    // Guarded by `lock`.
    private var nextID: UInt64 = 1

    /// `now` is the clock used by `register` and `beat`; tests pass a manual one.
    public init(now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.now = now
    }

    /// Registers a component that must beat at least once per `deadline`. Registration counts as
    /// its first beat.
    public func register(name: String, deadline: Duration) -> Token {
        let instant = now()
        return lock.withLock {
            let id = nextID
            nextID += 1
            entries[id] = Entry(name: name, deadline: deadline, lastBeat: instant)
            return Token(id: id)
        }
    }

    /// Records progress for `token`. Beating an unregistered token does nothing.
    public func beat(_ token: Token) {
        let instant = now()
        // In place by index: `entries[id]?.lastBeat = …` went through the dictionary's generic
        // optional-value accessor, a visible share of an idle daemon's CPU (every shard beats on
        // every poll).
        lock.withLock {
            if let index = entries.index(forKey: token.id) { entries.values[index].lastBeat = instant }
        }
    }

    /// Removes a component (it stopped on purpose, e.g. its lease was dropped).
    public func unregister(_ token: Token) {
        lock.withLock { _ = entries.removeValue(forKey: token.id) }
    }

    /// The names of components silent for longer than their deadline at `now`, sorted.
    public func check(now: ContinuousClock.Instant) -> [String] {
        staleComponents(now: now).map(\.name)
    }

    /// The components silent for longer than their deadline at `now`, sorted by name.
    public func staleComponents(now: ContinuousClock.Instant) -> [StaleComponent] {
        let snapshot = lock.withLock { Array(entries.values) }
        return snapshot.compactMap { entry in
            let silent = entry.lastBeat.duration(to: now)
            return silent > entry.deadline
                ? StaleComponent(name: entry.name, silentFor: silent, deadline: entry.deadline) : nil
        }
        .sorted { $0.name < $1.name }
    }

    /// The number of registered components.
    public var count: Int { lock.withLock { entries.count } }
}
