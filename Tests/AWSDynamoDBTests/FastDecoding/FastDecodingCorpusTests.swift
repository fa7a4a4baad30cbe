import AWSCore
import Foundation
import TestPeers
import Testing

@testable import AWSDynamoDB

/// The recorded corpus: GetRecords bodies of real zae-limiter traffic against moto
/// (Tests/peers/record_pages.py). Three independent decodings must agree on every page.
@Suite struct FastDecodingCorpusTests {
    static let directory = Peers.repoRoot.appendingPathComponent("Tests/Fixtures/getrecords")

    static func pages() throws -> [(name: String, bytes: [UInt8])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { ($0, [UInt8](try Data(contentsOf: directory.appendingPathComponent($0)))) }
    }

    @Test func corpusIsPresentAndVaried() throws {
        let pages = try Self.pages()
        #expect(pages.count >= 2)
        let records = try pages.flatMap { try GetRecordsDecoder.decode($0.bytes).records }
        // Counted independently of our decoders: every record has exactly one eventID member.
        let idCount = pages.reduce(0) {
            $0 + String(decoding: $1.bytes, as: UTF8.self).components(separatedBy: "\"eventID\"").count - 1
        }
        #expect(records.count == idCount)
        let names = Set(records.map(\.eventName))
        #expect(names.isSuperset(of: [.insert, .modify]))
        #expect(records.contains { $0.newImage != nil && $0.oldImage != nil })
        #expect(
            records.contains {
                $0.newImage?.values.contains { $0.s?.unicodeScalars.contains { $0.value > 0xFFFF } == true } == true
            })
        // Sequence numbers grow through the recording.
        #expect(zip(records, records.dropFirst()).allSatisfy { $0.sequenceNumber < $1.sequenceNumber })
    }

    @Test func fastDecoderEqualsReferencePathAndFoundation() throws {
        for (name, bytes) in try Self.pages() {
            let fast = try GetRecordsDecoder.decode(bytes)
            let reference = try GetRecordsOutput(json: JSONValue.parse(bytes))
            let foundation = try FoundationOracle.decode(bytes)
            #expect(fast.records == reference.records, "\(name)")
            #expect(fast.records == foundation.records, "\(name)")
            #expect(
                fast.nextShardIterator == reference.nextShardIterator
                    && fast.nextShardIterator == foundation.nextShardIterator)
            #expect(fast.nextShardIterator != nil)
            #expect(!fast.records.isEmpty)
        }
    }

    @Test func decodesFromRawBufferAsFromArray() throws {
        for (_, bytes) in try Self.pages() {
            let fromBuffer = try bytes.withUnsafeBytes { try GetRecordsDecoder.decode($0) }
            #expect(fromBuffer.records == (try GetRecordsDecoder.decode(bytes)).records)
        }
    }
}
