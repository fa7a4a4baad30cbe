import Foundation

/// The one seeded random generator of the test suites and benchmarks (SplitMix64): small and
/// deterministic, so a failing case reproduces from its seed.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A generator for a randomised test: seeded from `ZAEL_TEST_SEED` when set (to repeat a
    /// failing run), else from the system; the seed is printed with the test's name either way,
    /// so every failure can be replayed.
    public static func announced(_ test: String) -> SeededRandom {
        let seed =
            ProcessInfo.processInfo.environment["ZAEL_TEST_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 0...UInt64.max)
        print("\(test): seed \(seed) (ZAEL_TEST_SEED=\(seed) repeats it)")
        return SeededRandom(seed: seed)
    }
}

/// A `SeededRandom` that several threads draw from (fault hooks called from worker threads).
/// The draws' order follows the threads' interleaving, so a run is reproducible only as far as
/// the scheduling is; the seed still narrows a failure down.
public final class SharedSeededRandom: @unchecked Sendable {
    private let lock = NSLock()
    // Guarded by `lock`.
    private var generator: SeededRandom

    public init(_ generator: SeededRandom) { self.generator = generator }

    /// A number in `range`, drawn under the lock.
    public func next(in range: Range<Int>) -> Int {
        lock.withLock { Int.random(in: range, using: &generator) }
    }
}
