import AWSCore
import AWSDynamoDB
import Foundation
import Logging
import Metrics
import TestPeers
import Testing

@testable import ZaeLimiter

/// The archival duty on its own: exactly-once objects across crashes, failed writes and batches
/// cut differently on every delivery; what it skips and what it throws.
@Suite struct AuditArchivalDutyTests {
    /// S3 as a key → body map; `failures` decides, per put, whether it fails before writing,
    /// after writing (the answer lost), or not at all.
    final class MemoryStore: AuditArchiveStore {
        enum Failure { case none, before, after }
        var objects: [String: [UInt8]] = [:]
        var puts = 0
        var failures: () -> Failure = { .none }
        func put(key: String, body: [UInt8]) throws {
            puts += 1
            let failure = failures()
            if failure == .before {
                throw AWSError(kind: .transient, code: "InternalError", message: "", operation: "PutObject")
            }
            objects[key] = body
            if failure == .after {
                throw AWSError(kind: .throttling, code: "SlowDown", message: "", operation: "PutObject")
            }
        }
    }

    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func duty(_ store: AuditArchiveStore) -> AuditArchivalDuty {
        AuditArchivalDuty(store: store, logger: logger, metricsFactory: NOOPMetricsHandler.instance)
    }

    static func sequence(_ index: Int) -> SequenceNumber { SequenceNumber("\(1_000_000 + index * 7)")! }

    /// A stream of audit REMOVEs mixed with bucket MODIFYs and other REMOVEs; audit timestamps
    /// in random order (TTL deletes in no particular order), some missing.
    static func stream(count: Int, rng: inout SeededRandom) -> (records: [StreamRecord], events: Set<String>) {
        var records: [StreamRecord] = []
        var events: Set<String> = []
        for index in 0..<count {
            let sequenceNumber = sequence(index)
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<5:
                let id = "ev-\(index)"
                events.insert(id)
                var image: Item = [
                    "PK": .s(Bool.random(using: &rng) ? "ns1/AUDIT#user-\(index % 4)" : "AUDIT#legacy"),
                    "SK": .s("#AUDIT#\(id)"), "event_id": .s(id), "action": .s("limits_set"),
                    "details": .m(["n": .n("\(index).5"), "s": .s("ü\(index)")]),
                ]
                if Int.random(in: 0..<8, using: &rng) > 0 {
                    image["timestamp"] = .s(
                        "2026-\(Int.random(in: 10...12, using: &rng))-0\(Int.random(in: 1...9, using: &rng))T10:00:00Z")
                }
                records.append(
                    StreamRecord(
                        eventID: "e\(index)", eventName: .remove,
                        approximateCreationDateTime: 1_780_000_000 + Double(index),
                        keys: ["PK": image["PK"]!, "SK": image["SK"]!], oldImage: image, sequenceNumber: sequenceNumber)
                )
            case 5..<8:
                records.append(
                    StreamRecord(
                        eventID: "e\(index)", eventName: .modify,
                        keys: ["PK": .s("ns1/BUCKET#a#b#0"), "SK": .s("#STATE")],
                        newImage: ["PK": .s("ns1/BUCKET#a#b#0"), "SK": .s("#STATE")],
                        oldImage: ["PK": .s("ns1/BUCKET#a#b#0"), "SK": .s("#STATE")], sequenceNumber: sequenceNumber))
            default:
                records.append(
                    StreamRecord(
                        eventID: "e\(index)", eventName: .remove, keys: ["PK": .s("ns1/ENTITY#x")],
                        oldImage: ["PK": .s("ns1/ENTITY#x"), "action": .s("not audit")], sequenceNumber: sequenceNumber)
                )
            }
        }
        return (records, events)
    }

    /// Event ids in every stored object, with repetitions.
    static func archivedEvents(_ store: MemoryStore) throws -> [String] {
        var ids: [String] = []
        for body in store.objects.values {
            let text = try Gzip.decompress(body)
            for line in text.split(separator: UInt8(ascii: "\n")) {
                ids.append(try JSONValue.parse(Array(line))["event_id"]?.stringValue ?? "?")
            }
        }
        return ids
    }

    /// Deliveries as the engine makes them: each batch starts after the last checkpoint and has
    /// a random length; the aggregator checkpoints it in random chunks, calling
    /// `willCheckpoint` before each; the process is killed (a fresh duty, nothing in memory)
    /// at random points, and S3 fails before or after writing. Every event must end up in
    /// exactly one object line.
    @Test(arguments: [11, 12, 13, 14, 15, 16, 17, 18])
    func crashesFailuresAndDifferentCuts_archiveEveryEventExactlyOnce(seed: Int) throws {
        print("AuditArchivalDutyTests seed \(seed)")
        var rng = SeededRandom(seed: UInt64(seed))
        let (records, events) = Self.stream(count: 400, rng: &rng)
        let store = MemoryStore()
        var failureRNG = SeededRandom(seed: UInt64(seed) &* 31)
        store.failures = {
            switch Int.random(in: 0..<20, using: &failureRNG) {
            case 0: return .before
            case 1: return .after
            default: return .none
            }
        }
        var duty = Self.duty(store)
        var committed = 0
        var crashes = 0
        var deliveries = 0
        while committed < records.count {
            deliveries += 1
            try #require(deliveries < 10_000)
            let batch = Array(records[committed..<min(records.count, committed + Int.random(in: 1...30, using: &rng))])
            var cuts = Set(
                (0..<Int.random(in: 0...3, using: &rng)).map { _ in Int.random(in: 0..<batch.count, using: &rng) })
            cuts.insert(batch.count - 1)
            do {
                try duty.perform(DutyBatch(records: batch, shardId: "shard-1", lane: 0, attempt: 1, nowMilliseconds: 0))
                for cut in cuts.sorted() {
                    try duty.willCheckpoint(through: batch[cut].sequenceNumber)
                    if Int.random(in: 0..<5, using: &rng) == 0 {
                        crashes += 1
                        duty = Self.duty(store)  // kill -9: the checkpoint did not move
                        break
                    }
                    committed = records.firstIndex { $0.sequenceNumber == batch[cut].sequenceNumber }! + 1
                }
            } catch is AWSError {
                continue  // the batch is delivered again from the last checkpoint
            }
        }
        let archived = try Self.archivedEvents(store)
        #expect(archived.count == events.count, "every event once: \(archived.count) lines for \(events.count) events")
        #expect(Set(archived) == events)
        #expect(crashes >= 5, "the run must really have crashed")
    }

    @Test func aFailedWrite_isThrownWithItsKindAndCounted() throws {
        let store = MemoryStore()
        store.failures = { .before }
        let duty = Self.duty(store)
        var rng = SeededRandom(seed: 3)
        let records = Self.stream(count: 30, rng: &rng).records
        try duty.perform(DutyBatch(records: records, shardId: "s", lane: 0, attempt: 1, nowMilliseconds: 0))
        let error = try #require(throws: AWSError.self) {
            try duty.willCheckpoint(through: records.last!.sequenceNumber)
        }
        #expect(error.kind == .transient)
        #expect(duty.statistics.failedWrites == 1)
        #expect(store.objects.isEmpty)
    }

    @Test func unreadableAuditRecords_areSkippedWithAReason() throws {
        let store = MemoryStore()
        let duty = Self.duty(store)
        func remove(_ index: Int, _ image: Item) -> StreamRecord {
            StreamRecord(
                eventID: "\(index)", eventName: .remove, keys: ["PK": image["PK"] ?? .s("")], oldImage: image,
                sequenceNumber: Self.sequence(index))
        }
        let records = [
            remove(0, ["PK": .s("n/AUDIT#a"), "action": .s("ok"), "details": .m(["x": .n("1e400")])]),
            remove(1, ["PK": .s("n/AUDIT#a")]),
            remove(2, ["PK": .s("n/AUDIT#a"), "action": .n("5")]),
            remove(3, ["PK": .s("n/AUDIT#a"), "action": .s("bad"), "details": .m(["x": .n("12abc")])]),
            remove(
                4, ["PK": .s("n/AUDIT#a"), "action": .s("typed"), "entity_id": .bs([[1, 2]]), "principal": .ns(["1"])]),
        ]
        try duty.perform(DutyBatch(records: records, shardId: "s", lane: 0, attempt: 1, nowMilliseconds: 0))
        try duty.willCheckpoint(through: records.last!.sequenceNumber)
        #expect(duty.statistics.skippedRecords == 3)
        #expect(duty.statistics.eventsArchived == 2)
        let body = try Gzip.decompress(try #require(store.objects.values.first))
        #expect(
            String(decoding: body, as: UTF8.self)
                == #"{"action":"ok","details":{"x":Infinity}}"# + "\n"
                + #"{"entity_id":{"BS":["AQI="]},"action":"typed","principal":{"NS":["1"]},"details":{}}"# + "\n")
        // No timestamp: the key falls back to the record's creation time (here none: epoch 0).
        #expect(
            store.objects.keys.first
                == "audit/year=1970/month=01/day=01/audit-s-\(Self.sequence(0))-1970-01-01T00-00-00Z.jsonl.gz")
    }

    /// An attribute type DynamoDB does not have never reaches the duty: the page that carries it
    /// does not decode (a clear error for the engine), and nothing traps.
    @Test func anUnknownAttributeType_failsThePageDecode() {
        let page =
            #"{"Records":[{"eventID":"1","eventName":"REMOVE","dynamodb":{"SequenceNumber":"5","#
            + #""Keys":{"PK":{"S":"n/AUDIT#a"}},"OldImage":{"PK":{"S":"n/AUDIT#a"},"action":{"S":"x"},"#
            + #""details":{"M":{"k":{"ZZ":"1"}}}}}}]}"#
        #expect(throws: JSONParseError.self) { try GetRecordsDecoder.decode(Array(page.utf8)) }
        let fine = page.replacingOccurrences(of: #"{"ZZ":"1"}"#, with: #"{"SS":["1"]}"#)
        #expect(throws: Never.self) { try GetRecordsDecoder.decode(Array(fine.utf8)) }
    }
}
