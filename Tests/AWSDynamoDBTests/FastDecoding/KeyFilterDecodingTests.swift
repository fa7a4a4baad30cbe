import AWSCore
import TestPeers
import Testing

@testable import AWSDynamoDB

/// With a `RecordKeyFilter`, the decoder passes over the images of records the filter rejects.
/// Every other record must decode exactly as without it, a skipped record must be one the
/// consumer's filter leaves out when it reads the full images, and any page decodes or fails
/// as without the filter unless the damage lies inside an image that is skipped (the one
/// difference allowed: the Lambda never sees a record its event source mapping filters out).
@Suite struct KeyFilterDecodingTests {
    /// A stand-in for a consumer's filter: MODIFYs whose NewImage.SK starts with `keep`, REMOVEs
    /// whose OldImage.PK does; `keyFilter` decides the same from the Keys.
    static func predicate(_ record: StreamRecord) -> Bool {
        switch record.eventName {
        case .modify: return record.newImageValue(named: "SK")?.s?.hasPrefix("keep") == true
        case .remove: return record.oldImageValue(named: "PK")?.s?.hasPrefix("keep") == true
        default: return false
        }
    }

    static let keyFilter = RecordKeyFilter(attributeNames: ["PK", "SK"]) { eventName, keys in
        switch eventName {
        case .modify: return keys.value(named: "SK")?.s?.hasPrefix("keep") == true
        case .remove: return keys.value(named: "PK")?.s?.hasPrefix("keep") == true
        default: return false
        }
    }

    struct Tally {
        var skipped = 0
        var rejectedButDecoded = 0
        var passed = 0
    }

    /// Decodes `bytes` with and without the key filter and checks the rules above; `damage`, when
    /// given, is where the page was damaged and `skippable` the image spans skipped before it was.
    @discardableResult
    static func expectSameDecisions(
        _ bytes: [UInt8], damage: Int? = nil, skippable: [Range<Int>] = [], tally: inout Tally,
        _ comment: Comment? = nil
    ) -> Bool {
        let full = Result { () throws(JSONParseError) in try GetRecordsDecoder.decode(bytes) }
        let filtered = Result { () throws(JSONParseError) in
            try GetRecordsDecoder.decode(bytes, keyFilter: keyFilter)
        }
        let inSkippedImage = damage.map { at in skippable.contains { $0.contains(at) } } ?? false
        switch (full, filtered) {
        case (.success, .success) where inSkippedImage:
            // The skipped image may have been damaged into anything; nothing to compare.
            return true
        case (.success(let full), .success(let filtered)):
            #expect(full.nextShardIterator == filtered.nextShardIterator, comment)
            guard full.records.count == filtered.count, full.skipped.isEmpty else {
                Issue.record("record counts differ: \(String(describing: comment))")
                return false
            }
            #expect(full.lastSequenceNumber == filtered.lastSequenceNumber, comment)
            #expect(full.lastApproximateCreationDateTime == filtered.lastApproximateCreationDateTime, comment)
            for (e, entry) in zip(full.records, filtered.streamOrder) {
                switch entry {
                case .skipped(let index):
                    // What a consumer still needs of a skipped record, as the full decoding has it.
                    tally.skipped += 1
                    #expect(!predicate(e) && !keyFilter.accepts(e.eventName, keys: e.lazyKeys!), comment)
                    #expect(filtered.skipped.sequenceNumber(index) == e.sequenceNumber, comment)
                    for other in [full.records.first!, full.records.last!, e] {
                        #expect(
                            filtered.skipped.sequenceNumber(index, isAbove: other.sequenceNumber)
                                == (e.sequenceNumber > other.sequenceNumber), comment)
                    }
                    #expect(
                        filtered.skipped.approximateCreationDateTime(index) == e.approximateCreationDateTime, comment)
                case .record(let index):
                    let f = filtered.records[index]
                    #expect(predicate(f) == predicate(e), comment)
                    #expect(f == e, comment)
                    if keyFilter.accepts(e.eventName, keys: e.lazyKeys!) {
                        tally.passed += 1
                    } else {
                        tally.rejectedButDecoded += 1
                    }
                }
            }
        case (.failure(let full), .failure(let filtered)):
            if !inSkippedImage { #expect(full == filtered, comment) }
        case (.failure, .success):
            // Only damage inside a skipped image may go unnoticed.
            #expect(inSkippedImage, "accepted with the key filter only: \(String(describing: comment))")
        case (.success, .failure(let error)):
            Issue.record("rejected with the key filter only: \(error) \(String(describing: comment))")
        }
        return true
    }

    // Random pages ---------------------------------------------------------------------------

    /// Attribute values with strings that hold brackets, quotes and escapes, and nesting.
    static let values = [
        #"{"S":"plain"}"#, #"{"N":"-12.5e3"}"#, #"{"S":"br{ack[ets]}\"q\\"}"#, #"{"S":"\u00e9\ud83d\ude00"}"#,
        #"{"M":{"a":{"L":[{"N":"1"},{"NULL":true},{"M":{}}]},"b":{"BOOL":false}}}"#, #"{"SS":["x","}"]}"#,
        #"{"B":"AQID"}"#, #"{"L":[]}"#, #"{"NS":["1","2"]}"#, #"{"BS":["AAE="]}"#,
    ]

    struct RandomPage {
        var text = ""
        /// The byte ranges of the images whose record the key filter rejects.
        var rejectedImages: [Range<Int>] = []
    }

    static func randomPage(records: Int, using rng: inout SeededRandom) -> RandomPage {
        var page = RandomPage()
        page.text = #"{"Records":["#
        for index in 0..<records {
            if index > 0 { page.text += "," }
            let event = ["MODIFY", "MODIFY", "INSERT", "REMOVE", "REMOVE", "OTHER"].randomElement(using: &rng)!
            let pk = ["keep-p", "p-1", "q/AUDIT#x"].randomElement(using: &rng)!
            let sk = ["keep#STATE", "#USAGE#x", "s"].randomElement(using: &rng)!
            let hasSK = Int.random(in: 0..<8, using: &rng) > 0
            let keys = #"{"PK":{"S":"\#(pk)"}"# + (hasSK ? #","SK":{"S":"\#(sk)"}"# : "") + "}"
            let rejected: Bool
            switch event {
            case "MODIFY": rejected = !(hasSK && sk.hasPrefix("keep"))
            case "REMOVE": rejected = !pk.hasPrefix("keep")
            default: rejected = true
            }
            func image() -> String {
                var members: [String] = []
                for _ in 0..<Int.random(in: 0...5, using: &rng) {
                    members.append(#""a\#(Int.random(in: 0..<9, using: &rng))":\#(values.randomElement(using: &rng)!)"#)
                }
                // Usually the Keys' members as they are; sometimes not quite.
                var pkMember = #""PK":{"S":"\#(pk)"}"#
                var skMember: String? = hasSK ? #""SK":{"S":"\#(sk)"}"# : nil
                switch Int.random(in: 0..<14, using: &rng) {
                case 0: skMember = #""SK":{"S":"keep#STATE"}"#
                case 1: pkMember = #""PK":{"S":"keep-p"}"#
                case 2: skMember = nil
                case 3: pkMember = #""P\u004b":{"S":"keep-p"}"#
                case 4: members.append(#""SK":{"S":"keep-late"}"#)
                case 5: pkMember = #""PK": {"S":"\#(pk)"}"#
                case 6: skMember = skMember.map { $0 + #","SK":{"S":"\#(sk)"}"# }
                default: break
                }
                members.append(pkMember)
                if let skMember { members.append(skMember) }
                members.shuffle(using: &rng)
                return "{" + members.joined(separator: ",") + "}"
            }
            var change: [String] = []
            var images: [String] = []
            if event != "REMOVE" {
                images.append(#""NewImage":"# + (Int.random(in: 0..<10, using: &rng) == 0 ? "null" : image()))
            }
            if event != "INSERT" { images.append(#""OldImage":"# + image()) }
            change.append(#""Keys":\#(keys)"#)
            change.append(contentsOf: images)
            change.append(#""SequenceNumber":"\#(100 + index)","SizeBytes":\#(10 + index)"#)
            // Now and then the Keys come after the images, or again after them.
            switch Int.random(in: 0..<12, using: &rng) {
            case 0: change.swapAt(0, change.count - 2)
            case 1: change.append(#""Keys":{"PK":{"S":"keep-p"},"SK":{"S":"keep#STATE"}}"#)
            default: break
            }
            var record = [#""eventID":"e\#(index)""#, #""eventName":"\#(event)""#, "DYNAMODB", #""awsRegion":"r""#]
            switch Int.random(in: 0..<12, using: &rng) {
            case 0: record.swapAt(1, 2)
            case 1: record.append(#""eventName":"MODIFY""#)
            default: break
            }
            for (position, member) in record.enumerated() {
                if position > 0 { page.text += "," } else { page.text += "{" }
                guard member == "DYNAMODB" else {
                    page.text += member
                    continue
                }
                page.text += #""dynamodb":{"#
                for (number, part) in change.enumerated() {
                    if number > 0 { page.text += "," }
                    let start = page.text.utf8.count
                    page.text += part
                    if rejected, part.hasPrefix(#""NewImage""#) || part.hasPrefix(#""OldImage""#) {
                        page.rejectedImages.append(start..<page.text.utf8.count)
                    }
                }
                page.text += "}"
            }
            page.text += "}"
        }
        page.text += #"],"NextShardIterator":"it"}"#
        return page
    }

    @Test func randomPages_decideAsTheFullImagesSay() {
        var rng = SeededRandom.announced(#function)
        var tally = Tally()
        for trial in 0..<300 {
            let page = Self.randomPage(records: Int.random(in: 1...12, using: &rng), using: &rng)
            Self.expectSameDecisions(Array(page.text.utf8), tally: &tally, "trial \(trial): \(page.text)")
        }
        // Every branch taken: skipped, rejected yet decoded (images that differ from the Keys,
        // Keys after the images), passed.
        #expect(tally.skipped > 100 && tally.rejectedButDecoded > 50 && tally.passed > 50, "\(tally)")
    }

    @Test func damagedPages_failAsWithoutTheFilter_exceptInsideSkippedImages() {
        var rng = SeededRandom.announced(#function)
        var tally = Tally()
        var (insideSkipped, elsewhere) = (0, 0)
        let replacements = Array(#"{}[]:,"\ 0aNSMLBx"#.utf8) + [0x00, 0xC3, 0xFF]
        for trial in 0..<2_000 {
            let page = Self.randomPage(records: Int.random(in: 1...4, using: &rng), using: &rng)
            var bytes = Array(page.text.utf8)
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            bytes[at] = replacements.randomElement(using: &rng)!
            if page.rejectedImages.contains(where: { $0.contains(at) }) {
                insideSkipped += 1
            } else {
                elsewhere += 1
            }
            // An image of a rejected record may still be decoded (when it differs from the Keys):
            // the spans are where a difference may arise, not where it must.
            Self.expectSameDecisions(
                bytes, damage: at, skippable: page.rejectedImages, tally: &tally,
                "trial \(trial) at \(at): \(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(insideSkipped > 100 && elsewhere > 100)
    }

    @Test func brokenStructureInsideASkippedImage_isStillAnError() throws {
        let prefix =
            #"{"Records":[{"eventID":"1","eventName":"INSERT","dynamodb":{"Keys":{"PK":{"S":"p"}},"NewImage":"#
        let suffix = #","SequenceNumber":"1"}}]}"#
        // Well-formed structure, bad tokens inside: skipped (the filter rejects the record).
        let tokens = try GetRecordsDecoder.decode(
            Array((prefix + #"{"PK":{"S":"p"},"x":{"N":tru}}"# + suffix).utf8), keyFilter: Self.keyFilter)
        #expect(tokens.records.isEmpty && tokens.skipped.count == 1)
        #expect(throws: JSONParseError.self) {
            try GetRecordsDecoder.decode(Array((prefix + #"{"PK":{"S":"p"},"x":{"N":tru}}"# + suffix).utf8))
        }
        // Brackets that do not match, an unterminated string, a truncated page: errors, the very
        // ones the full decoding reports (the scan gives up, and the full reading reports them).
        // An image left open is closed by the page's next brace: still an error, found later.
        for image in [#"{"PK":{"S":"p"},"x":{"L":[}}"#, #"{"PK":{"S":"p"},"x":{"S":"open}}"#, #"{"PK":{"S":"p"}"#] {
            for bytes in [Array((prefix + image + suffix).utf8), Array((prefix + image).utf8)] {
                let sameError = !(image.hasSuffix(#""p"}"#) && bytes.count > prefix.utf8.count + image.utf8.count)
                let full = Result { () throws(JSONParseError) in try GetRecordsDecoder.decode(bytes) }
                let filtered = Result { () throws(JSONParseError) in
                    try GetRecordsDecoder.decode(bytes, keyFilter: Self.keyFilter)
                }
                guard case .failure(let fullError) = full, case .failure(let filteredError) = filtered else {
                    Issue.record("\(image): \(full) / \(filtered)")
                    continue
                }
                if sameError { #expect(fullError == filteredError, "\(image)") }
            }
        }
    }

    @Test func corpusPages_skipOnlyRejectedRecords() throws {
        var tally = Tally()
        for (name, bytes) in try FastDecodingCorpusTests.pages() {
            #expect(Self.expectSameDecisions(bytes, tally: &tally, "\(name)"))
        }
        #expect(tally.skipped > 0, "\(tally)")
    }

    @Test func structuralSkip_reportsTopLevelMembersAndStopsAtTheClosingBrace() {
        let text = #" {"a":{"S":"}\"{"} , "b\"c":[1,{"x":"]"}],"d":true} ,"after""#
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { buffer in
            var reader = JSONReader(buffer)
            var members: [(String, String, Bool)] = []
            let passed = reader.skipObjectStructurally { member in
                members.append(
                    (
                        String(decoding: member.name, as: UTF8.self), String(decoding: member.text, as: UTF8.self),
                        member.nameEscaped
                    ))
            }
            #expect(passed)
            #expect(members.map(\.0) == ["a", #"b\"c"#, "d"])
            #expect(members.map(\.1) == [#""a":{"S":"}\"{"}"#, #""b\"c":[1,{"x":"]"}]"#, #""d":true"#])
            #expect(members.map(\.2) == [false, true, false])
            #expect(bytes[reader.offset] == UInt8(ascii: " "))
        }
        for bad in [#"{"a":[}"#, #"{"a":"}"#, #"["#, #"{"a":{"b":1}"#, "x", ""] {
            let bytes = Array(bad.utf8)
            bytes.withUnsafeBytes { buffer in
                var reader = JSONReader(buffer)
                #expect(!reader.skipObjectStructurally { _ in }, "\(bad)")
                #expect(reader.offset == 0, "\(bad)")
            }
        }
    }
}
