import AWSDynamoDB
import TestPeers
import Testing

@testable import ZaeLimiter

/// Applying the coalesced updates must leave every snapshot item exactly as applying the
/// reference's per-delta, per-window updates in stream order does.
@Suite struct CoalescingEquivalenceTests {
    static let midnight: Int128 = 1_700_006_400_000  // 2023-11-15T00:00:00Z

    func randomDeltas(count: Int, using rng: inout some RandomNumberGenerator) -> [UsageDelta] {
        let stamps: [Int128] = [
            Self.midnight - 1, Self.midnight, Self.midnight + 1_800_000, Self.midnight + 3_600_000,
            1_698_796_800_000,  // 2023-11-01T00:00:00Z: hourly, daily and monthly coincide
        ]
        return (0..<count).map { _ in
            UsageDelta(
                namespaceId: ["ns1", "ns2"].randomElement(using: &rng)!,
                entityId: ["a", "b", "c/d"].randomElement(using: &rng)!,
                resource: ["gpt-4", "r#x"].randomElement(using: &rng)!,
                limitName: ["rpm", "tpm", "daily"].randomElement(using: &rng)!,
                millitokens: Int128(Int.random(in: -5_000...50_000, using: &rng)) | 1,
                timestampMilliseconds: stamps.randomElement(using: &rng)!,
                overdrawn: Bool.random(using: &rng))
        }
    }

    func apply(reference deltas: [UsageDelta], windows: [UsageWindow], existing: [FakeDynamoDB.Key: Item])
        -> [FakeDynamoDB.Key: Item]
    {
        let db = FakeDynamoDB()
        db.items = existing
        for delta in deltas {
            for update in ReferenceSnapshotWriter.updates(for: delta, windows: windows, table: "t", ttl: 42) {
                _ = try! db.updateItem(update)
            }
        }
        return db.items
    }

    func apply(coalesced deltas: [UsageDelta], windows: [UsageWindow], existing: [FakeDynamoDB.Key: Item]) -> (
        [FakeDynamoDB.Key: Item], Int
    ) {
        var coalescer = SnapshotCoalescer(windows: windows)
        for delta in deltas {
            let added = coalescer.add(delta)
            #expect(added)
        }
        let db = FakeDynamoDB()
        db.items = existing
        for update in coalescer.updates {
            _ = try! db.updateItem(update.updateItemInput(tableName: "t", ttlEpochSeconds: 42))
        }
        return (db.items, coalescer.updates.count)
    }

    @Test(arguments: [
        [UsageWindow.hourly, .daily], [.hourly, .daily, .monthly], [.daily, .hourly], [.hourly, .hourly],
    ])
    func randomBatches_coalescedEqualsPerDelta(windows: [UsageWindow]) {
        var rng = SeededRandom.announced(#function)
        for round in 0..<40 {
            let deltas = randomDeltas(count: Int.random(in: 1...120, using: &rng), using: &rng)
            // Half the rounds start from items an earlier batch created.
            let seed =
                round.isMultiple(of: 2)
                ? [:] : apply(reference: Array(deltas.prefix(5)), windows: [.daily], existing: [:])
            let expected = apply(reference: deltas, windows: windows, existing: seed)
            let (actual, writes) = apply(coalesced: deltas, windows: windows, existing: seed)
            #expect(actual == expected)
            #expect(writes <= deltas.count * windows.count)
        }
    }

    @Test func midnight_firstWriterWindowWins_andBothWindowsAdd() {
        let delta = UsageDelta(
            namespaceId: "ns", entityId: "e", resource: "r", limitName: "rpm", millitokens: 3_000,
            timestampMilliseconds: Self.midnight)
        let (items, writes) = apply(coalesced: [delta], windows: [.hourly, .daily], existing: [:])
        #expect(writes == 1)
        let item = items.values.first!
        #expect(item["window"] == .s("hourly"))
        #expect(item["rpm"] == .n("6"))
        #expect(item["total_events"] == .n("2"))
        #expect(item["GSI2SK"] == .s("USAGE#2023-11-15T00:00:00Z#e"))
        #expect(item["ttl"] == .n("42"))
        #expect(
            item.keys.sorted() == [
                "GSI2PK", "GSI2SK", "GSI4PK", "GSI4SK", "PK", "SK", "entity_id", "resource", "rpm", "total_events",
                "ttl",
                "window", "window_start",
            ])
    }

    @Test func zeroTokenDeltas_stillCreateTheCounter() {
        let delta = UsageDelta(
            namespaceId: "ns", entityId: "e", resource: "r", limitName: "rpm", millitokens: 400,
            timestampMilliseconds: Self.midnight + 5, overdrawn: true)
        let (items, _) = apply(coalesced: [delta], windows: [.daily], existing: [:])
        #expect(items.values.first?["rpm"] == .n("0"))
        #expect(items.values.first?["rpm#od"] == .n("1"))
    }
}
