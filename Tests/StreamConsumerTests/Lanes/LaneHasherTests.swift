import AWSDynamoDB
import Testing

@testable import StreamConsumer

@Suite struct LaneHasherTests {
    @Test func sameKeyAlwaysSameLane_whateverTheAttributeOrder() {
        let a: Item = ["PK": .s("user-1"), "SK": .s("#STATE")]
        let b: Item = ["SK": .s("#STATE"), "PK": .s("user-1")]
        #expect(LaneHasher.hash(a) == LaneHasher.hash(b))
        #expect(LaneHasher.hash(a) != LaneHasher.hash(["PK": .s("user-2"), "SK": .s("#STATE")]))
        // The type is part of the key: S "1" and N "1" differ.
        #expect(LaneHasher.hash(["PK": .s("1")]) != LaneHasher.hash(["PK": .n("1")]))
    }

    @Test func hashIsFNV1aAndStable() {
        // FNV-1a 64 of the empty input is the offset basis; pinned so the lane of a key never
        // changes between releases.
        #expect(LaneHasher.hash([:]) == 0xcbf2_9ce4_8422_2325)
        #expect(LaneHasher.hash(["PK": .s("a")]) == LaneHasher.hash(["PK": .s("a")]))
    }

    @Test func keysSpreadOverAllLanes() {
        var used = Set<Int>()
        for index in 0..<200 { used.insert(LaneHasher.lane(of: record(index + 1, key: "key-\(index)"), laneCount: 4)) }
        #expect(used == [0, 1, 2, 3])
        #expect(LaneHasher.lane(of: record(1, key: "x"), laneCount: 1) == 0)
    }
}
