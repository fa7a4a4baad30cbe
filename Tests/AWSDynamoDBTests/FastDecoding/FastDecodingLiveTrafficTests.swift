import AWSCore
import Foundation
import TestPeers
import Testing

@testable import AWSDynamoDB

/// Records fresh pages from real zae-limiter traffic on a real moto server (the same script
/// that made the committed corpus) and holds the three decodings to each other on them.
@Suite struct FastDecodingLiveTrafficTests {
    @Test func freshlyRecordedPagesDecodeAlikeOnAllPaths() throws {
        try #require(Peers.available, "no test venv at \(Peers.venv.path): run scripts/setup or set ZAEL_VENV")
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("getrecords-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try Peers.runPython([
            Peers.script("record_pages.py").path, "--out", directory.path, "--rounds", "4", "--limit", "25",
        ])
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
        #expect(names.count >= 2)
        var total = 0
        for name in names {
            let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
            let fast = try GetRecordsDecoder.decode(bytes)
            #expect(fast.records == (try GetRecordsOutput(json: JSONValue.parse(bytes))).records)
            #expect(fast.records == (try FoundationOracle.decode(bytes)).records)
            #expect(fast.nextShardIterator != nil)
            total += fast.records.count
        }
        #expect(total > 25)
    }
}
