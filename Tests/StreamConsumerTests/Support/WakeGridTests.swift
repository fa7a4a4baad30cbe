import TestPeers
import Testing

@testable import StreamConsumer

/// `WakeGrid`: a long wait snaps back to the latest grid point before its end, never later and
/// by less than a spacing; a short wait keeps its time.
@Suite struct WakeGridTests {
    let grid = WakeGrid(spacingNanoseconds: 100_000_000)  // 100 ms

    @Test func longWait_snapsBackToTheLatestGridPoint() {
        #expect(grid.aligned(.milliseconds(2_250), from: .milliseconds(250)) == .milliseconds(2_200))
        #expect(grid.aligned(.milliseconds(1_999), from: .milliseconds(1_000)) == .milliseconds(1_900))
        // Already on the grid: unchanged.
        #expect(grid.aligned(.milliseconds(3_000), from: .milliseconds(1_000)) == .milliseconds(3_000))
    }

    @Test func waitShorterThanThreeSpacings_keepsItsTime() {
        #expect(grid.aligned(.milliseconds(1_290), from: .milliseconds(1_000)) == .milliseconds(1_290))
        #expect(grid.aligned(.milliseconds(1_250), from: .milliseconds(1_000)) == .milliseconds(1_250))
        // Exactly three spacings is long enough.
        #expect(grid.aligned(.milliseconds(1_350), from: .milliseconds(1_050)) == .milliseconds(1_300))
    }

    @Test func randomWaits_endOnTheGrid_noLater_andShortenedByLessThanASpacing() {
        var generator = SeededRandom.announced(#function)
        let spacing: Int64 = 333_333_333
        let standard = WakeGrid.standard
        #expect(standard.spacingNanoseconds == spacing)
        for _ in 0..<10_000 {
            let now = Int64.random(in: 0...86_400_000_000_000, using: &generator)
            let wait = Int64.random(in: 1...30_000_000_000, using: &generator)
            let instant = Duration.nanoseconds(now + wait)
            let result = standard.aligned(instant, from: .nanoseconds(now))
            if wait < 3 * spacing {
                #expect(result == instant)
                continue
            }
            let (seconds, attoseconds) = result.components
            let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
            #expect(nanoseconds % spacing == 0)
            #expect(result <= instant)
            #expect(instant - result < .nanoseconds(spacing))
            #expect(result - .nanoseconds(now) >= .nanoseconds(wait * 2 / 3))
        }
    }
}
