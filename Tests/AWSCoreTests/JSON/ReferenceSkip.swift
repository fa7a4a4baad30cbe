/// A byte-by-byte structural skip with the exact rules of `JSONReader.skipObjectStructurally`
/// (the word-at-a-time version it replaced, one byte at a time): the reference that the
/// vectorised skip must agree with on every input, malformed ones included.
struct ReferenceSkip {
    let bytes: [UInt8]
    /// The members reported so far: text, 0, name, 1 if the name had a backslash else 0.
    var members: [[UInt8]] = []

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The reference's outcome for `bytes`.
    static func outcome(of bytes: [UInt8]) -> JSONByteScanTests.Outcome {
        var skip = ReferenceSkip(bytes: bytes)
        return skip.skipObject()
    }

    func quoteOrBackslash(from start: Int) -> Int? {
        bytes.indices.contains(start) ? bytes[start...].firstIndex { $0 == 0x22 || $0 == 0x5C } : nil
    }

    mutating func report(_ start: Int, _ nameStart: Int, _ nameEnd: Int, _ escaped: Bool, _ end: Int) {
        members.append(Array(bytes[start..<end]) + [0] + Array(bytes[nameStart..<nameEnd]) + [escaped ? 1 : 0])
    }

    /// Returns the outcome as `JSONByteScanTests.skip` records it.
    mutating func skipObject() -> JSONByteScanTests.Outcome {
        var position = 0
        while position < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[position]) { position += 1 }
        let failed = JSONByteScanTests.Outcome(passed: false, offset: position, members: members)
        guard position < bytes.count, bytes[position] == UInt8(ascii: "{") else { return failed }
        var p = position + 1
        while true {
            if let end = compactMemberEnd(at: p) {
                report(p, p + 1, end.name, false, end.member)
                p = end.member
            } else {
                guard let next = skipMember(from: p, open: true) else { return failed.with(members) }
                p = next
            }
            guard p < bytes.count else { return failed.with(members) }
            switch bytes[p] {
            case UInt8(ascii: ","):
                p += 1
            case UInt8(ascii: "}"):
                return JSONByteScanTests.Outcome(passed: true, offset: p + 1, members: members)
            default:
                guard let next = skipMember(from: p, open: false) else { return failed.with(members) }
                if bytes[next] == UInt8(ascii: "}") {
                    return JSONByteScanTests.Outcome(passed: true, offset: next + 1, members: members)
                }
                p = next + 1
            }
        }
    }

    func compactMemberEnd(at p: Int) -> (member: Int, name: Int)? {
        guard p < bytes.count, bytes[p] == 0x22, let nameEnd = quoteOrBackslash(from: p + 1), bytes[nameEnd] == 0x22,
            nameEnd + 8 <= bytes.count
        else { return nil }
        let pattern = Array(#"":{"?":""#.utf8)
        for i in 0..<8 where i != 4 && bytes[nameEnd + i] != pattern[i] { return nil }
        guard bytes[nameEnd + 4] == UInt8(ascii: "S") || bytes[nameEnd + 4] == UInt8(ascii: "N"),
            let textEnd = quoteOrBackslash(from: nameEnd + 8), bytes[textEnd] == 0x22, textEnd + 1 < bytes.count,
            bytes[textEnd + 1] == UInt8(ascii: "}")
        else { return nil }
        return (textEnd + 2, nameEnd)
    }

    mutating func skipMember(from start: Int, open: Bool) -> Int? {
        var p = start
        var kinds: [UInt8] = [UInt8(ascii: "}")]
        var memberStart = open ? -1 : Int.min
        var nameStart = 0
        var nameEnd = 0
        var nameEscaped = false
        var valueEnd = p
        while p < bytes.count {
            let b = bytes[p]
            switch b {
            case 0x22:
                let opening = p
                var escaped = false
                p += 1
                while true {
                    guard p < bytes.count else { return nil }
                    if bytes[p] == 0x22 { break }
                    if bytes[p] == 0x5C {
                        escaped = true
                        p += 2
                    } else {
                        p += 1
                    }
                }
                if kinds.count == 1 && memberStart == -1 {
                    memberStart = opening
                    nameStart = opening + 1
                    nameEnd = p
                    nameEscaped = escaped
                }
                p += 1
                valueEnd = p
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                kinds.append(b + 2)
                guard kinds.count <= 64 else { return nil }
                p += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard kinds.last == b else { return nil }
                if kinds.count == 1 {
                    if memberStart >= 0 { report(memberStart, nameStart, nameEnd, nameEscaped, valueEnd) }
                    return p
                }
                kinds.removeLast()
                p += 1
                valueEnd = p
            case UInt8(ascii: ","):
                if kinds.count == 1 {
                    if memberStart >= 0 { report(memberStart, nameStart, nameEnd, nameEscaped, valueEnd) }
                    return p
                }
                p += 1
            case 0x20, 0x0A, 0x0D, 0x09, UInt8(ascii: ":"):
                p += 1
            default:
                p += 1
                valueEnd = p
            }
        }
        return nil
    }
}

extension JSONByteScanTests.Outcome {
    func with(_ members: [[UInt8]]) -> Self {
        var copy = self
        copy.members = members
        return copy
    }
}
