extension JSONReader {
    /// One top-level member of an object that `skipObjectStructurally` passed over.
    public struct SkippedMember {
        /// The member's bytes, from its name's opening quote to just after its value's last
        /// byte (raw JSON text, nothing validated).
        public var text: UnsafeBufferPointer<UInt8>
        /// The name's raw bytes between its quotes.
        public var name: UnsafeBufferPointer<UInt8>
        /// Whether the name holds a backslash: its raw bytes are then not its value.
        public var nameEscaped: Bool

        @inlinable
        init(text: UnsafeBufferPointer<UInt8>, name: UnsafeBufferPointer<UInt8>, nameEscaped: Bool) {
            self.text = text
            self.name = name
            self.nameEscaped = nameEscaped
        }
    }

    /// The deepest nesting, counted from the skipped object, that `skipObjectStructurally`
    /// follows (DynamoDB nests attribute values at most 32 deep).
    public static let structuralSkipDepth = 64

    /// Passes over the object that comes next by its structure alone, for a value that nobody
    /// will read: finds its closing brace, with every bracket matched and strings (escapes
    /// included) honoured, but validates nothing else (literals, numbers, UTF-8, control
    /// characters, the `name: value` syntax). `member` sees each top-level member as it ends.
    ///
    /// Returns false, consuming at most leading whitespace, when no object comes next, brackets
    /// do not match, the document ends first or the object nests deeper than
    /// `structuralSkipDepth`: the caller then reads the value the validating way, which throws
    /// the usual error. Bytes are crossed sixteen at a time, and the compact members DynamoDB
    /// writes in three steps each.
    @inlinable
    public mutating func skipObjectStructurally(_ member: (SkippedMember) -> Void) -> Bool {
        skipWhitespace()
        guard position < count, base[position] == UInt8(ascii: "{") else { return false }
        var p = position + 1
        while true {
            // Nearly every member is `"name":{"S":"text"}` (or N): crossed in three steps.
            if let end = compactScalarMemberEnd(at: p) {
                member(
                    SkippedMember(
                        text: UnsafeBufferPointer(start: base + p, count: end.member - p),
                        name: UnsafeBufferPointer(start: base + p + 1, count: end.name - p - 1), nameEscaped: false))
                p = end.member
            } else {
                guard let next = skipMemberStructurally(from: p, member) else { return false }
                p = next
            }
            guard p < count else { return false }
            switch base[p] {
            case UInt8(ascii: ","):
                p &+= 1
            case UInt8(ascii: "}"):
                position = p + 1
                return true
            default:
                // Whitespace or something odd: the general scan takes the rest of the member.
                guard let next = skipMemberStructurally(from: p, member, open: false) else { return false }
                if base[next] == UInt8(ascii: "}") {
                    position = next + 1
                    return true
                }
                p = next + 1
            }
        }
    }

    /// Where `"name":{"S":"text"}` (or `"N"`) starting at `p` ends, and its name's closing quote;
    /// nil for any other form (a backslash in the name or text included).
    @inlinable @inline(__always)
    func compactScalarMemberEnd(at p: Int) -> (member: Int, name: Int)? {
        guard p < count, base[p] == UInt8(ascii: "\""), let nameEnd = quoteOrBackslash(from: p + 1),
            base[nameEnd] == UInt8(ascii: "\""), nameEnd + 8 <= count
        else { return nil }
        // `":{"S":"` as one little-endian word, S or N at byte 4.
        let word = UnsafeRawPointer(base + nameEnd).loadUnaligned(as: UInt64.self)
        let typeless = word & ~(UInt64(0xFF) << 32)
        guard typeless == 0x223A_2200_227B_3A22 else { return nil }
        let type = UInt8(truncatingIfNeeded: word >> 32)
        guard type == UInt8(ascii: "S") || type == UInt8(ascii: "N"),
            let textEnd = quoteOrBackslash(from: nameEnd + 8), base[textEnd] == UInt8(ascii: "\""),
            textEnd + 1 < count, base[textEnd + 1] == UInt8(ascii: "}")
        else { return nil }
        return (textEnd + 2, nameEnd)
    }

    /// Scans from `p` (a top-level member's start, or after its start when not `open`) to the
    /// `,` or `}` that ends it at the top level, reporting it when its name was seen; nil when
    /// the brackets do not match, the document ends or nesting passes `structuralSkipDepth`.
    ///
    /// Sixteen bytes at a time: outside strings from one `"` `{` `}` `[` `]` `,` to the next,
    /// inside a string from one quote or backslash to the next (a backslash and the byte after
    /// it are passed as a pair, wherever the chunk ends, so a run of backslashes pairs up from
    /// its start and only an unpaired quote closes the string).
    @inlinable
    func skipMemberStructurally(from start: Int, _ member: (SkippedMember) -> Void, open: Bool = true) -> Int? {
        var p = start
        var level = 1
        // One bit per open container, innermost lowest: 1 for an object, 0 for an array.
        var kinds: UInt64 = 1
        // The member: its start (-1: not seen), its name.
        var memberStart = open ? -1 : Int.min
        var nameStart = 0
        var nameEnd = 0
        var nameEscaped = false
        while true {
            guard let stop = structuralByte(from: p) else { return nil }
            p = stop
            let b = base[p]
            switch b {
            case UInt8(ascii: "\""):
                let opening = p
                var escaped = false
                p &+= 1
                while true {
                    guard let stop = quoteOrBackslash(from: p) else { return nil }
                    p = stop
                    if base[p] == UInt8(ascii: "\"") { break }
                    escaped = true
                    p &+= 2
                }
                // p is at the closing quote.
                if level == 1 && memberStart == -1 {
                    memberStart = opening
                    nameStart = opening + 1
                    nameEnd = p
                    nameEscaped = escaped
                }
                p &+= 1
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                level &+= 1
                guard level <= Self.structuralSkipDepth else { return nil }
                kinds = kinds << 1 | (b == UInt8(ascii: "{") ? 1 : 0)
                p &+= 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard (kinds & 1 == 1) == (b == UInt8(ascii: "}")) else { return nil }
                if level == 1 {
                    if memberStart >= 0 { report(memberStart, nameStart, nameEnd, nameEscaped, p, member) }
                    return p
                }
                kinds >>= 1
                level &-= 1
                p &+= 1
            default:
                // A comma.
                if level == 1 {
                    if memberStart >= 0 { report(memberStart, nameStart, nameEnd, nameEscaped, p, member) }
                    return p
                }
                p &+= 1
            }
        }
    }

    /// Where the value of a member ended by the `,` or `}` at `terminator` ends: after its last
    /// byte other than whitespace and `:` (all outside strings, as a string ends with a quote;
    /// at worst the name's closing quote).
    @inlinable @inline(__always)
    func valueEnd(before terminator: Int) -> Int {
        var end = terminator
        while end > 0 {
            switch base[end &- 1] {
            case 0x20, 0x0A, 0x0D, 0x09, UInt8(ascii: ":"): end &-= 1
            default: return end
            }
        }
        return end
    }

    @inlinable @inline(__always)
    func report(
        _ start: Int, _ nameStart: Int, _ nameEnd: Int, _ escaped: Bool, _ terminator: Int,
        _ member: (SkippedMember) -> Void
    ) {
        let end = valueEnd(before: terminator)
        member(
            SkippedMember(
                text: UnsafeBufferPointer(start: base + start, count: end - start),
                name: UnsafeBufferPointer(start: base + nameStart, count: nameEnd - nameStart), nameEscaped: escaped))
    }

    /// The document's bytes from `start` to `end`, which must lie within it (empty otherwise).
    @inlinable
    public func documentBytes(from start: Int, to end: Int) -> UnsafeBufferPointer<UInt8> {
        guard 0 <= start, start <= end, end <= count else { return UnsafeBufferPointer(start: base, count: 0) }
        return UnsafeBufferPointer(start: base + start, count: end - start)
    }
}
