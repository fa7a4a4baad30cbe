import AWSCore

/// Instants that long waits snap back to, so that the shards' idle polls and the lease renewals
/// falling due within the same fraction of a second wake the process once, together.
///
/// At 64 idle shards the daemon makes ~50 calls a second, each from its own wake-up of its own
/// thread; spread evenly, every call ran on a cold CPU and cost ~0.4 ms. Snapped to a common
/// grid, the same calls come in bursts and cost about a third less (docs/benchmarks.md, "Idle").
/// A wait only ever gets shorter (an idle shard polls no later, a lease is renewed no later than
/// before), and only a wait of at least three grid spacings is snapped, so it shortens by less
/// than a third: the real-time profile's short polls and the tests' millisecond waits keep their
/// times.
public struct WakeGrid: Sendable, Equatable {
    /// A third of a second: it divides the default idle ceiling (2 s) and the renewal period
    /// (failover/3) of any whole-second failover time, so both keep their pace once on the grid.
    public static let standard = WakeGrid(spacingNanoseconds: 1_000_000_000 / 3)

    /// The distance between grid points, in nanoseconds of the consumer clock.
    public let spacingNanoseconds: Int64

    public init(spacingNanoseconds: Int64) {
        precondition(spacingNanoseconds > 0, "a wake grid needs a positive spacing")
        self.spacingNanoseconds = spacingNanoseconds
    }

    /// The latest grid point at or before `instant` when the wait from `now` to `instant` is at
    /// least three spacings long; `instant` itself otherwise.
    public func aligned(_ instant: Duration, from now: Duration) -> Duration {
        let target = instant.wholeNanoseconds
        guard target - now.wholeNanoseconds >= 3 * spacingNanoseconds, target >= 0 else { return instant }
        return .nanoseconds(target - target % spacingNanoseconds)
    }
}
