import Foundation
import TestPeers
import Testing

@testable import AWSCore

/// The sixteen-bytes-at-a-time scans of `JSONReader` against byte-by-byte definitions, and the
/// structural skip against a byte-by-byte reference skipper and Foundation, on random documents
/// whose special bytes fall at every position of a chunk and near the buffer's end.
@Suite struct JSONByteScanTests {
    /// Bytes the scans stop at or must pass: quotes, backslashes, brackets, separators,
    /// whitespace, controls, non-ASCII, letters.
    static let alphabet: [UInt8] = Array(#""\\{}[],: nSu0aé"#.utf8) + [0x00, 0x1F, 0x20, 0x7F, 0x80, 0xFF, 0x0A, 0x09]

    /// Runs `body` over `bytes` copied into an allocation of exactly their size, so a read past
    /// the end is caught by the address sanitizer and never hidden by an array's spare capacity.
    func withExactBuffer<T>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) -> T) -> T {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        defer { storage.deallocate() }
        storage.copyBytes(from: bytes)
        return body(UnsafeRawBufferPointer(rebasing: storage[0..<bytes.count]))
    }

    @Test func scansStopAtTheFirstSpecialByte() {
        var rng = SeededRandom.announced("scansStopAtTheFirstSpecialByte")
        for _ in 0..<20_000 {
            let length = Int.random(in: 0..<70, using: &rng)
            // Mostly plain letters, so that stops fall anywhere in a chunk or not at all.
            let bytes = (0..<length).map { _ in
                Int.random(in: 0..<8, using: &rng) == 0
                    ? Self.alphabet.randomElement(using: &rng)! : UInt8(ascii: "a")
            }
            let start = Int.random(in: 0...length, using: &rng)
            withExactBuffer(bytes) { buffer in
                let reader = JSONReader(buffer)
                let quoteOrBackslash = bytes[start...].firstIndex { $0 == 0x22 || $0 == 0x5C }
                #expect(reader.quoteOrBackslash(from: start) == quoteOrBackslash, "\(bytes) from \(start)")
                let structural = bytes[start...].firstIndex { Array(#""{}[],"#.utf8).contains($0) }
                #expect(reader.structuralByte(from: start) == structural, "\(bytes) from \(start)")

                // The string scans may stop early only within the last sixteen bytes.
                let stringStop = bytes[start...].firstIndex { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 } ?? length
                var nonASCII = false
                let stop = reader.stringStop(from: start, nonASCII: &nonASCII)
                #expect(stop == stringStop || (stop <= stringStop && stop > length - 16), "\(bytes) from \(start)")
                #expect(
                    bytes[start..<stop].contains { $0 >= 0x80 } ? nonASCII : true, "\(bytes) from \(start): non-ASCII")
                let plainStop =
                    bytes[start...].firstIndex { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 || $0 >= 0x80 } ?? length
                let plain = reader.plainASCIIStop(from: start)
                #expect(plain == plainStop || (plain <= plainStop && plain > length - 16), "\(bytes) from \(start)")
                let plainEnd = plainStop < length && bytes[plainStop] == 0x22 ? plainStop : nil
                #expect(reader.plainASCIIStringEnd(from: start) == plainEnd, "\(bytes) from \(start)")
            }
        }
    }

    @Test func stringsReadAsFoundationReadsThem() throws {
        var rng = SeededRandom.announced("stringsReadAsFoundationReadsThem")
        let pieces = ["a", "é", "日", "😀", #"\""#, #"\\"#, #"\/"#, #"\n"#, #"\u00e9"#, #"\ud83d\ude00"#, "{", "}", "["]
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 0..<40, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }
                .joined()
            let padding = String(repeating: " ", count: Int.random(in: 0..<20, using: &rng))
            let document = Array("\(padding)\"\(text)\"".utf8)
            let ours = withExactBuffer(document) { buffer in
                var reader = JSONReader(buffer)
                return Result { () throws(JSONParseError) in
                    (String(decoding: try reader.readStringBytes(), as: UTF8.self), reader.offset)
                }
            }
            let theirs = try JSONSerialization.jsonObject(with: Data(document), options: .fragmentsAllowed) as? String
            #expect(try ours.get().0 == theirs, "\(text)")
            #expect(try ours.get().1 == document.count, "\(text)")
        }
    }

    // MARK: The structural skip

    /// A skip's outcome: accepted, the offset after, and each reported member's text, name and
    /// whether the name was escaped.
    struct Outcome: Equatable {
        var passed: Bool
        var offset: Int
        var members: [[UInt8]]
    }

    func skip(_ bytes: [UInt8]) -> Outcome {
        withExactBuffer(bytes) { buffer in
            var reader = JSONReader(buffer)
            var members: [[UInt8]] = []
            let passed = reader.skipObjectStructurally { member in
                members.append(Array(member.text) + [0] + Array(member.name) + [member.nameEscaped ? 1 : 0])
            }
            return Outcome(passed: passed, offset: reader.offset, members: members)
        }
    }

    @Test func skipAgreesWithTheReferenceOnRandomDocuments() {
        var rng = SeededRandom.announced("skipAgreesWithTheReferenceOnRandomDocuments")
        var passed = 0
        var failed = 0
        for round in 0..<6000 {
            var document = Array(String(repeating: " ", count: Int.random(in: 0..<3, using: &rng)).utf8)
            let compact = round % 4 < 2
            document += RandomJSON.object(RandomJSON.members(depth: 0, compact: compact, using: &rng), compact: compact)
            if Bool.random(using: &rng) {
                document += Array(#" ,"x":1}"#.utf8.prefix(Int.random(in: 0..<8, using: &rng)))
            }
            // Damage about half: any byte, a structural byte, or a cut.
            if round % 2 == 1, !document.isEmpty {
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let index = Int.random(in: 0..<document.count, using: &rng)
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0: document[index] = Self.alphabet.randomElement(using: &rng)!
                    case 1: document.insert(Self.alphabet.randomElement(using: &rng)!, at: index)
                    case 2: document.remove(at: index)
                    default: document = Array(document.prefix(index))
                    }
                    if document.isEmpty { break }
                }
            }
            let ours = skip(document)
            let reference = ReferenceSkip.outcome(of: document)
            #expect(ours == reference, "\(String(decoding: document, as: UTF8.self))")
            if ours.passed { passed += 1 } else { failed += 1 }
        }
        // Both outcomes were exercised.
        #expect(passed > 1000)
        #expect(failed > 500)
    }

    @Test func skipEndsWhereFoundationSaysTheObjectEnds() throws {
        var rng = SeededRandom.announced("skipEndsWhereFoundationSaysTheObjectEnds")
        for round in 0..<2000 {
            let members = RandomJSON.members(depth: 0, compact: round % 2 == 0, using: &rng)
            let object = RandomJSON.object(members, compact: round % 2 == 0)
            // Foundation accepts exactly the object and no shorter prefix of it.
            let parsed = try JSONSerialization.jsonObject(with: Data(object)) as? [String: Any]
            #expect(parsed != nil)
            #expect((try? JSONSerialization.jsonObject(with: Data(object.dropLast()))) == nil)
            let padding = Array(String(repeating: " ", count: Int.random(in: 0..<17, using: &rng)).utf8)
            let outcome = skip(padding + object + Array(#","next":1}"#.utf8))
            #expect(outcome.passed, "\(String(decoding: object, as: UTF8.self))")
            #expect(outcome.offset == padding.count + object.count, "\(String(decoding: object, as: UTF8.self))")
            // Every top-level member reported, in order, with its exact text and name.
            #expect(outcome.members == members.map { $0.text + [0] + $0.name + [$0.name.contains(0x5C) ? 1 : 0] })
        }
    }

    @Test func escapesAtChunkEndsAndRunsOfBackslashes() {
        for lead in 0..<40 {
            for run in 1...5 {
                // A run of backslashes ending at every position of a chunk: an even run leaves the
                // quote after it closing the string, an odd run escapes it.
                let name = String(repeating: "a", count: lead) + String(repeating: "\\", count: run)
                let closes = run % 2 == 0
                let text = #"{"\#(name)":1}"#
                let document = Array(text.utf8)
                let outcome = skip(document)
                #expect(outcome == ReferenceSkip.outcome(of: document), "\(text)")
                #expect(outcome.passed == closes, "\(text)")
            }
        }
    }
}
