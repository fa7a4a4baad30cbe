import AWSDynamoDB
import TestPeers
import Testing

@testable import StreamConsumer

/// Records a key filter rejects reach the engine as compact `skipped` entries, not as records.
/// They must count exactly as the decoded records they replace: batches cut at the same places,
/// end (and so checkpoint) at the same sequence numbers, re-fetched records dropped alike, and
/// the processors see the same records as when every record was decoded and then filtered.
@Suite struct SkippedRecordBatchingTests {
    /// MODIFYs whose Keys' SK starts with "keep" pass; the images hold the Keys' members, so
    /// every other record is skipped.
    static let keyFilter = RecordKeyFilter(attributeNames: ["PK", "SK"]) { eventName, keys in
        eventName == .modify && keys.value(named: "SK")?.s?.hasPrefix("keep") == true
    }
    static func predicate(_ record: StreamRecord) -> Bool {
        record.eventName == .modify && record.newImageValue(named: "SK")?.s?.hasPrefix("keep") == true
    }

    /// A GetRecords body of `sequences`' records: random event names and keys, sometimes with a
    /// creation time, sequence numbers sometimes written with leading zeros.
    static func page(_ sequences: [Int], using rng: inout SeededRandom) -> [UInt8] {
        let records = sequences.map { sequence in
            let event = ["MODIFY", "MODIFY", "INSERT", "REMOVE"].randomElement(using: &rng)!
            let sortKey = Bool.random(using: &rng) ? "keep\(sequence % 3)" : "drop\(sequence % 5)"
            let keys = #"{"PK":{"S":"p\#(sequence % 4)"},"SK":{"S":"\#(sortKey)"}}"#
            let image = #"{"PK":{"S":"p\#(sequence % 4)"},"SK":{"S":"\#(sortKey)"},"v":{"N":"\#(sequence)"}}"#
            let zeros = Int.random(in: 0...4, using: &rng) == 0 ? "00" : ""
            let time = Bool.random(using: &rng) ? #""ApproximateCreationDateTime":\#(1000 + sequence).5,"# : ""
            return #"{"eventID":"e\#(sequence)","eventName":"\#(event)","dynamodb":{\#(time)"Keys":\#(keys),"#
                + #""NewImage":\#(image),"OldImage":\#(image),"SequenceNumber":"\#(zeros)\#(sequence)"}}"#
        }
        return Array((#"{"Records":["# + records.joined(separator: ",") + #"],"NextShardIterator":"x"}"#).utf8)
    }

    @Test func batches_cutAndEndAlike_withAndWithoutSkippedRecords() throws {
        var rng = SeededRandom.announced("SkippedRecordBatchingTests.batches")
        var skippedAny = 0
        for _ in 0..<200 {
            var full = Batcher()
            var keyed = Batcher()
            var next = Int.random(in: 1...2000, using: &rng)
            var fullSeen: [StreamRecord] = []
            var keyedSeen: [StreamRecord] = []
            for step in 0..<Int.random(in: 1...8, using: &rng) {
                let count = Int.random(in: 0...30, using: &rng)
                // Sequence numbers grow, with gaps (and a digit more now and then).
                let sequences = (0..<count).map { _ in
                    next += Int.random(in: 1...(Int.random(in: 0...9, using: &rng) == 0 ? 9000 : 3), using: &rng)
                    return next
                }
                let bytes = Self.page(sequences, using: &rng)
                let decoded = try GetRecordsDecoder.decode(bytes)
                let filtered = try GetRecordsDecoder.decode(bytes, keyFilter: Self.keyFilter)
                skippedAny += filtered.skipped.count
                #expect(filtered.count == decoded.count)
                #expect(filtered.lastSequenceNumber == decoded.lastSequenceNumber)
                #expect(filtered.lastApproximateCreationDateTime == decoded.lastApproximateCreationDateTime)
                full.add(decoded, arrivedAt: .seconds(step))
                keyed.add(filtered, arrivedAt: .seconds(step))
                #expect(full.count == keyed.count)
                #expect(full.dueAt(window: .seconds(1)) == keyed.dueAt(window: .seconds(1)))
                switch Int.random(in: 0...3, using: &rng) {
                case 0:
                    // Drop through a random sequence number around the pending ones.
                    let floor = SequenceNumber(String(next - Int.random(in: 0...40, using: &rng)))!
                    full.drop(through: floor)
                    keyed.drop(through: floor)
                    #expect(full.count == keyed.count)
                default:
                    let size = Int.random(in: 1...25, using: &rng)
                    let a = full.take(batchSize: size)
                    let b = keyed.take(batchSize: size)
                    #expect(a?.end == b?.end)
                    #expect(a?.count == b?.count)
                    #expect(a.map { $0.records.count == $0.count } ?? true)
                    fullSeen += a?.records ?? []
                    keyedSeen += b?.records ?? []
                    #expect(a.map { $0.records.filter(Self.predicate) } == b.map { $0.records.filter(Self.predicate) })
                }
                #expect(full.dueAt(window: .seconds(1)) == keyed.dueAt(window: .seconds(1)))
            }
            while let a = full.take(batchSize: 7) {
                let b = keyed.take(batchSize: 7)
                #expect(a.end == b?.end && a.count == b?.count)
                fullSeen += a.records
                keyedSeen += b?.records ?? []
            }
            #expect(keyed.isEmpty)
            // Every record the predicate passes, and none other (the images hold the Keys' members,
            // so each record the key filter rejects is skipped).
            #expect(fullSeen.filter(Self.predicate) == keyedSeen)
        }
        #expect(skippedAny > 100)
    }

    @Test func retrieval_delivers_andDropsRefetchedRecords_alike() throws {
        var rng = SeededRandom.announced("SkippedRecordBatchingTests.retrieval")
        var skippedAny = 0
        for _ in 0..<100 {
            var settings = RetrievalStateMachine.Settings(fastTunables(batchSize: Int.random(in: 1...12, using: &rng)))
            settings.batchingWindow = .zero
            var full = RetrievalStateMachine(settings: settings)
            var keyed = RetrievalStateMachine(settings: settings)
            let sequences = Array(1...Int.random(in: 1...60, using: &rng)).map { $0 * 10 }
            let bytes = Self.page(sequences, using: &rng)
            let decoded = try GetRecordsDecoder.decode(bytes)
            let filtered = try GetRecordsDecoder.decode(bytes, keyFilter: Self.keyFilter)
            skippedAny += filtered.skipped.count
            var now = Duration.zero
            full.pageFetched(decoded, atShardEnd: false, now: now)
            keyed.pageFetched(filtered, atShardEnd: false, now: now)
            var refetches = 0
            while full.pendingCount > 0 {
                now += .milliseconds(1)
                guard case .deliver(let a, _) = full.tick(now: now, settings: settings),
                    case .deliver(let b, _) = keyed.tick(now: now, settings: settings)
                else {
                    Issue.record("both machines should deliver")
                    return
                }
                #expect(a.end == b.end && a.count == b.count)
                #expect(a.records.filter(Self.predicate) == b.records.filter(Self.predicate))
                full.delivered(through: a.end)
                keyed.delivered(through: b.end)
                // Sometimes the same page comes again (a replaced iterator): only records above the
                // last processed one are taken, and delivering them drops their earlier copies.
                if refetches < 3, Bool.random(using: &rng) {
                    refetches += 1
                    full.pageFetched(decoded, atShardEnd: false, now: now)
                    keyed.pageFetched(filtered, atShardEnd: false, now: now)
                }
                #expect(full.pendingCount == keyed.pendingCount)
                #expect(full.lastProcessed == keyed.lastProcessed)
            }
        }
        #expect(skippedAny > 100)
    }
}
