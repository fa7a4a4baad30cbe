import AWSDynamoDB
import TestPeers
import Testing

@testable import StreamConsumer

/// `LaneSet` alone: which lanes exist, what the old lanes of a lane count change still filter,
/// when the change is done, and where fetching resumes. No threads, no store.
@Suite struct LaneSetTests {
    private func seq(_ value: Int) -> SequenceNumber { SequenceNumber(String(value))! }

    /// A key whose record falls in `lane` of `count` lanes and in `oldLane` of `oldCount`.
    private func key(lane: Int, of count: Int, oldLane: Int = 0, of oldCount: Int = 1) -> String {
        for index in 0..<10_000 {
            let probe = record(1, key: "key-\(index)")
            if LaneHasher.lane(of: probe, laneCount: count) == lane
                && LaneHasher.lane(of: probe, laneCount: oldCount) == oldLane
            {
                return "key-\(index)"
            }
        }
        Issue.record("no key for lane \(lane)/\(count), old lane \(oldLane)/\(oldCount)")
        return ""
    }

    @Test func keysNameEveryLaneOfBothGenerations() {
        let steady = LaneSet(count: 3)
        #expect(steady.keys(shardId: "s").map(\.leaseKey) == ["s#lane0of3", "s#lane1of3", "s#lane2of3"])
        #expect(steady.previousKeys(shardId: "s").isEmpty)
        #expect(!steady.isChanging)
        let changing = LaneSet(count: 1, previous: .init(count: 2, checkpoints: [seq(4), nil]))
        #expect(changing.keys(shardId: "s").map(\.leaseKey) == ["s#lane0of1"])
        #expect(changing.previousKeys(shardId: "s").map(\.leaseKey) == ["s#lane0of2", "s#lane1of2"])
        #expect(changing.isChanging)
    }

    @Test func slices_keepStreamOrderPerLane_andDropWhatTheLaneCheckpointed() {
        let set = LaneSet(count: 2)
        let zero = key(lane: 0, of: 2)
        let one = key(lane: 1, of: 2)
        let records = [
            record(3, key: zero), record(4, key: one), record(5, key: zero), record(6, key: one),
            record(7, key: zero), record(8, key: one),
        ]
        let slices = set.slices(records, checkpoints: [seq(5), nil])
        #expect(slices.map { $0.map(\.sequenceNumber.digits) } == [["7"], ["4", "6", "8"]])
    }

    @Test func slices_whileAChangeSettles_alsoDropWhatTheOldLaneCheckpointed() {
        // New: 3 lanes at 10. Old: 2 lanes, lane 0 at 20, lane 1 at 12.
        let set = LaneSet(count: 3, previous: .init(count: 2, checkpoints: [seq(20), seq(12)]))
        let newZeroOldZero = key(lane: 0, of: 3, oldLane: 0, of: 2)
        let newZeroOldOne = key(lane: 0, of: 3, oldLane: 1, of: 2)
        let records = [
            record(9, key: newZeroOldOne),  // at or below both
            record(11, key: newZeroOldOne),  // below old lane 1 (12)
            record(13, key: newZeroOldOne),  // above both
            record(15, key: newZeroOldZero),  // below old lane 0 (20)
            record(21, key: newZeroOldZero),  // above both
        ]
        let slices = set.slices(records, checkpoints: [seq(10), seq(10), seq(10)])
        #expect(slices[0].map(\.sequenceNumber.digits) == ["13", "21"])
        #expect(slices[1].isEmpty && slices[2].isEmpty)
        // Settled, only the new lane's checkpoint filters.
        #expect(set.settled().slices(records, checkpoints: [seq(10), seq(10), seq(10)])[0].count == 4)
    }

    @Test func slices_randomBatches_keepExactlyTheUnappliedRecords() {
        var rng = SeededRandom.announced("LaneSetTests.slices_randomBatches")
        let seed = rng.state
        for _ in 0..<50 {
            let count = Int.random(in: 1...5, using: &rng)
            let oldCount = Int.random(in: 1...5, using: &rng)
            let checkpoints = (0..<count).map { _ in
                Bool.random(using: &rng) ? seq(Int.random(in: 1...60, using: &rng)) : nil
            }
            let old = (0..<oldCount).map { _ in
                Bool.random(using: &rng) ? seq(Int.random(in: 1...60, using: &rng)) : nil
            }
            let set = LaneSet(
                count: count, previous: Bool.random(using: &rng) ? .init(count: oldCount, checkpoints: old) : nil)
            let records = (1...60).map { record($0, key: "k\(Int.random(in: 0..<12, using: &rng))") }
            let slices = set.slices(records, checkpoints: checkpoints)
            #expect(slices.count == count, "seed \(seed)")
            var kept: Set<String> = []
            for (lane, slice) in slices.enumerated() {
                #expect(slice.map(\.sequenceNumber) == slice.map(\.sequenceNumber).sorted(), "seed \(seed)")
                for item in slice {
                    #expect(LaneHasher.lane(of: item, laneCount: count) == lane, "seed \(seed)")
                    kept.insert(item.sequenceNumber.digits)
                }
            }
            for item in records {
                let lane = LaneHasher.lane(of: item, laneCount: count)
                var applied = checkpoints[lane].map { item.sequenceNumber <= $0 } ?? false
                if let previous = set.previous,
                    let mark = previous.checkpoints[LaneHasher.lane(of: item, laneCount: oldCount)]
                {
                    applied = applied || item.sequenceNumber <= mark
                }
                #expect(
                    kept.contains(item.sequenceNumber.digits) == !applied, "seed \(seed), record \(item.sequenceNumber)"
                )
            }
        }
    }

    @Test func needsChange_onlyForAnotherCount_andNotWhileAChangeSettles() {
        #expect(!LaneSet(count: 2).needsChange(to: 2))
        #expect(LaneSet(count: 2).needsChange(to: 3))
        #expect(!LaneSet(count: 2, previous: .init(count: 1, checkpoints: [seq(1)])).needsChange(to: 3))
    }

    @Test func change_fromLevelLanes_startsTheNewLanesThere_withoutAFilter() {
        let change = LaneSet(count: 2).change(to: 4, from: [seq(30), seq(30)])
        #expect(change == LaneSet.Change(next: LaneSet(count: 4), start: seq(30)))
        // No lane ever checkpointed: nothing to filter either.
        #expect(LaneSet(count: 2).change(to: 1, from: [nil, nil]) == .init(next: LaneSet(count: 1), start: nil))
    }

    @Test func change_fromUnevenLanes_startsAtTheFloor_andKeepsTheOldCheckpointsAsAFilter() {
        let uneven = LaneSet(count: 2).change(to: 3, from: [seq(40), seq(10)])
        #expect(uneven.start == seq(10))
        #expect(uneven.next == LaneSet(count: 3, previous: .init(count: 2, checkpoints: [seq(40), seq(10)])))
        // A lane without a checkpoint owes everything: no floor, and the others still filter.
        let partial = LaneSet(count: 2).change(to: 1, from: [seq(40), nil])
        #expect(partial.start == nil)
        #expect(partial.next.previous == .init(count: 2, checkpoints: [seq(40), nil]))
    }

    @Test func canSettle_onceEveryNewLanePassedTheHighestOldCheckpoint() {
        let set = LaneSet(count: 2, previous: .init(count: 2, checkpoints: [seq(40), seq(10)]))
        #expect(!set.canSettle(checkpoints: [seq(50), nil]))
        #expect(!set.canSettle(checkpoints: [seq(50), seq(39)]))
        #expect(set.canSettle(checkpoints: [seq(40), seq(41)]))
        #expect(set.settled() == LaneSet(count: 2))
        // Old lanes without checkpoints filter nothing: done once every new lane has one.
        let empty = LaneSet(count: 1, previous: .init(count: 2, checkpoints: [nil, nil]))
        #expect(!empty.canSettle(checkpoints: [nil]))
        #expect(empty.canSettle(checkpoints: [seq(1)]))
        // Nothing to settle.
        #expect(!LaneSet(count: 1).canSettle(checkpoints: [seq(1)]))
    }

    @Test func lowest_needsEveryLane() {
        #expect(LaneSet.lowest([]) == nil)
        #expect(LaneSet.lowest([seq(5), nil]) == nil)
        #expect(LaneSet.lowest([seq(50), seq(7), seq(9)]) == seq(7))
    }

    @Test func resumePosition_afterTheLowestLane_elseFromTheLeaseNeverPastALane() {
        #expect(LaneSet.resumePosition(checkpoints: [seq(9), seq(7)], lease: .latest) == .afterSequenceNumber(seq(7)))
        #expect(
            LaneSet.resumePosition(checkpoints: [nil, seq(7)], lease: .sequence(seq(5))) == .afterSequenceNumber(seq(5))
        )
        #expect(
            LaneSet.resumePosition(checkpoints: [nil, seq(3)], lease: .sequence(seq(5))) == .afterSequenceNumber(seq(3))
        )
        #expect(LaneSet.resumePosition(checkpoints: [nil], lease: .sequence(seq(5))) == .afterSequenceNumber(seq(5)))
        #expect(LaneSet.resumePosition(checkpoints: [nil, seq(3)], lease: .trimHorizon) == .trimHorizon)
        #expect(LaneSet.resumePosition(checkpoints: [nil], lease: .shardEnd) == .trimHorizon)
        #expect(LaneSet.resumePosition(checkpoints: [nil, nil], lease: .latest) == .latest)
        #expect(LaneSet.resumePosition(checkpoints: [nil, seq(3)], lease: .latest) == .afterSequenceNumber(seq(3)))
        #expect(LaneSet.resumePosition(checkpoints: [], lease: .latest) == .latest)
    }
}
