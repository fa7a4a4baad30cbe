import Foundation

/// A zone's offset history as `zoneinfo` holds it: UTC transition instants with the offsets
/// before and after each, and the wall-clock thresholds `zoneinfo` bisects for fold 0 and 1.
final class OffsetTable: Sendable {
    /// UTC seconds of each transition, ascending.
    let transitions: [Int64]
    /// Offset in force before the first transition.
    let initialOffset: Int64
    /// Offset in force from `transitions[i]` on.
    let offsets: [Int64]
    /// `zoneinfo`'s `_trans_local[0]` and `[1]`: each transition in wall-clock seconds, using
    /// the larger (fold 0) or smaller (fold 1) of the offsets either side of it.
    let wallThresholds: [[Int64]]

    init(_ zone: TimeZone) {
        let start = Date(timeIntervalSince1970: -2_240_524_800)  // 1899-01-01
        let end = Date(timeIntervalSince1970: 7_289_654_400)  // 2201-01-01
        var transitions: [Int64] = []
        var offsets: [Int64] = []
        var cursor = start
        var previous = Int64(zone.secondsFromGMT(for: start))
        let initial = previous
        while let next = zone.nextDaylightSavingTimeTransition(after: cursor), next < end, next > cursor {
            let offset = Int64(zone.secondsFromGMT(for: next))
            if offset != previous {
                transitions.append(Int64(next.timeIntervalSince1970.rounded(.down)))
                offsets.append(offset)
                previous = offset
            }
            cursor = next
        }
        var fold0: [Int64] = []
        var fold1: [Int64] = []
        for index in transitions.indices {
            let before = index == 0 ? initial : offsets[index - 1]
            fold0.append(transitions[index] + max(before, offsets[index]))
            fold1.append(transitions[index] + min(before, offsets[index]))
        }
        self.transitions = transitions
        self.offsets = offsets
        self.initialOffset = initial
        self.wallThresholds = [fold0, fold1]
    }

    /// Python's `bisect.bisect_right`.
    private static func bisectRight(_ values: [Int64], _ target: Int64) -> Int {
        var low = 0
        var high = values.count
        while low < high {
            let middle = (low + high) / 2
            if target < values[middle] { high = middle } else { low = middle + 1 }
        }
        return low
    }

    func offset(atSecond second: Int64) -> Int64 {
        let index = Self.bisectRight(transitions, second)
        return index == 0 ? initialOffset : offsets[index - 1]
    }

    /// `fromutc`: the wall clock, and fold = inside the repeated stretch after a backward jump.
    func wallClock(atSecond second: Int64) -> (wall: Int64, fold: Bool) {
        let index = Self.bisectRight(transitions, second)
        guard index > 0 else { return (second + initialOffset, false) }
        let current = offsets[index - 1]
        let before = index == 1 ? initialOffset : offsets[index - 2]
        return (second + current, before - current > second - transitions[index - 1])
    }

    /// `utcoffset()` of a wall time with `fold`, as `zoneinfo._find_trans` bisects it.
    func utcSecond(wall: Int64, fold: Bool) -> Int64 {
        let index = Self.bisectRight(wallThresholds[fold ? 1 : 0], wall)
        return wall - (index == 0 ? initialOffset : offsets[index - 1])
    }
}
