import AWSCore
import Foundation
import TestPeers
import Testing

@testable import AWSDynamoDB

/// Lazy images (the decoder's default) must hold exactly what eager decoding builds, and the
/// decoder must accept and reject exactly the same bodies either way.
@Suite struct LazyImageDecodingTests {
    /// Decodes `bytes` both ways; both must succeed with equal records or fail with equal errors.
    func expectSameDecoding(_ bytes: [UInt8], _ comment: Comment? = nil) throws -> [StreamRecord]? {
        let lazy = Result { () throws(JSONParseError) in try GetRecordsDecoder.decode(bytes) }
        let eager = Result { () throws(JSONParseError) in try GetRecordsDecoder.decode(bytes, images: .eager) }
        switch (lazy, eager) {
        case (.success(let lazy), .success(let eager)):
            #expect(lazy.records == eager.records, comment)
            #expect(lazy.nextShardIterator == eager.nextShardIterator, comment)
            for (l, e) in zip(lazy.records, eager.records) {
                // Not merely equal by `==`: each image is lazy, and each attribute reads alone.
                #expect(l.lazyKeys != nil, comment)
                #expect(l.lazyNewImage != nil || e.newImage == nil, comment)
                #expect(l.lazyOldImage != nil || e.oldImage == nil, comment)
                for (name, value) in e.newImage ?? [:] {
                    #expect(l.newImageValue(named: name) == value, comment)
                }
                #expect(l.newImageValue(named: "no such attribute") == nil, comment)
            }
            return lazy.records
        case (.failure(let lazy), .failure(let eager)):
            #expect(lazy == eager, comment)
            return nil
        default:
            Issue.record("lazy \(lazy) vs eager \(eager)")
            return nil
        }
    }

    @Test func corpusPages_decodeAlikeBothWays() throws {
        for (name, bytes) in try FastDecodingCorpusTests.pages() {
            let records = try #require(try expectSameDecoding(bytes, "\(name)"))
            #expect(records.contains { $0.lazyNewImage != nil }, "\(name)")
        }
    }

    static let oddPage = #"""
        {"Records":[{"eventID":"1","eventName":"MODIFY","dynamodb":{"SequenceNumber":"100",
        "Keys":{"PK":{"S":"a"}},
        "NewImage":{"PK":{"S":"a"},"b_rpm_tc":{"N":"1"},"b_rpm_tc":{"S":"last wins"},"e\u0301":{"S":"x\"y"},
          "m":{"M":{"k":{"L":[{"N":"1"},{"NULL":true},{"BS":["AAE="]}]}}},"f":{"BOOL":false},"z":{"NULL":true},
          "ss":{"SS":["a","b"]},"ns":{"NS":["1"]},"bin":{"B":"AQID"},"":{"S":""} , "sp" : { "N" : "7" } },
        "OldImage":{"b_rpm_tc":{"N":"\u0031"}}}},
        {"eventID":"2","eventName":"REMOVE","dynamodb":{"SequenceNumber":"101","Keys":{"PK":{"S":"a"}},
          "NewImage":null,"OldImage":{}}}],"NextShardIterator":"it"}
        """#

    @Test func oddButValidImages_decodeAlike() throws {
        let records = try #require(try expectSameDecoding(Array(Self.oddPage.utf8)))
        #expect(records.count == 2)
        let new = try #require(records[0].lazyNewImage)
        #expect(new.hasEscapes)
        #expect(records[0].lazyOldImage?.hasEscapes == true)
        #expect(records[0].newImage?["b_rpm_tc"] == .s("last wins"))
        #expect(records[0].newImageValue(named: "b_rpm_tc") == .s("last wins"))
        #expect(records[0].newImage?["e\u{301}"] == .s("x\"y"))
        #expect(records[0].oldImage == ["b_rpm_tc": .n("1")])
        #expect(records[1].newImage == nil && records[1].oldImage == [:])
    }

    @Test func unescapedImages_areNotFlaggedAndReadAlike() throws {
        let page =
            ##"{"Records":[{"eventID":"1","eventName":"MODIFY","dynamodb":{"SequenceNumber":"5","Keys":{},"NewImage":{"SK":{"S":"#STATE"},"é":{"N":"1"}}}}]}"##
        let records = try #require(try expectSameDecoding(Array(page.utf8)))
        #expect(records[0].lazyNewImage?.hasEscapes == false)
        #expect(records[0].newImageValue(named: "SK") == .s("#STATE"))
        #expect(records[0].newImageValue(named: "é") == .n("1"))
    }

    /// Every truncation and many single-byte corruptions of a page: same success or same error.
    @Test func damagedPages_failAlikeBothWays() throws {
        let page = Array(Self.oddPage.utf8)
        var failures = 0
        for end in 0..<page.count {
            if try expectSameDecoding(Array(page[..<end]), "truncated at \(end)") == nil { failures += 1 }
        }
        #expect(failures == page.count)
        var rng = SeededRandom.announced(#function)
        let replacements = Array(#"{}[]:,"\ 0aNSMLBx"#.utf8) + [0x00, 0xC3, 0xFF]
        var outcomes = (ok: 0, failed: 0)
        for trial in 0..<3_000 {
            var damaged = page
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                damaged[Int.random(in: 0..<damaged.count, using: &rng)] = replacements.randomElement(using: &rng)!
            }
            if try expectSameDecoding(damaged, "trial \(trial): \(String(decoding: damaged, as: UTF8.self))") == nil {
                outcomes.failed += 1
            } else {
                outcomes.ok += 1
            }
        }
        // Both kinds occur, so both branches of the comparison are exercised.
        #expect(outcomes.ok > 0 && outcomes.failed > 0, "\(outcomes)")
    }
}
