extension JSONReader {
    /// Where the parts of a member `"name":{"S":"text"}` (or `"N"`) lie in the document.
    public struct CompactScalarMember {
        public var nameStart: Int
        public var nameCount: Int
        /// `S` or `N`.
        public var type: UInt8
        public var textStart: Int
        public var textCount: Int

        @inlinable
        init(nameStart: Int, nameCount: Int, type: UInt8, textStart: Int, textCount: Int) {
            self.nameStart = nameStart
            self.nameCount = nameCount
            self.type = type
            self.textStart = textStart
            self.textCount = textCount
        }
    }

    /// Reads a member written exactly `"name":{"S":"text"}` or `"name":{"N":"text"}`, with no
    /// whitespace and a name and text of ASCII without escapes or control characters: the form
    /// DynamoDB writes nearly every scalar attribute in. Returns nil, consuming nothing, for
    /// anything else; the caller then reads the member the general way, which validates it and
    /// throws as usual. Whatever this accepts the general reads accept too, with the same spans
    /// and the same position and depth after, so the shortcut cannot change a decoding.
    @inlinable @inline(__always)
    public mutating func readCompactScalarMember() -> CompactScalarMember? {
        let quote = UInt8(ascii: "\"")
        guard position < count, base[position] == quote, depth < maxDepth,
            let nameEnd = plainASCIIStringEnd(from: position + 1)
        else { return nil }
        // `":{"T":"` (the name's closing quote included) as one little-endian word, then the text.
        let p = nameEnd + 1
        guard nameEnd + 8 <= count else { return nil }
        let word = UInt64(littleEndian: UnsafeRawPointer(base + nameEnd).loadUnaligned(as: UInt64.self))
        let type = UInt8(truncatingIfNeeded: word >> 32)
        guard word & ~(UInt64(0xFF) << 32) == 0x223A_2200_227B_3A22,
            type == UInt8(ascii: "S") || type == UInt8(ascii: "N"),
            let textEnd = plainASCIIStringEnd(from: p + 7), textEnd + 1 < count, base[textEnd + 1] == UInt8(ascii: "}")
        else { return nil }
        let member = CompactScalarMember(
            nameStart: position + 1, nameCount: nameEnd - position - 1, type: base[p + 3], textStart: p + 7,
            textCount: textEnd - p - 7)
        position = textEnd + 2
        return member
    }

    /// The offset of the quote closing a string whose bytes from `start` are all ASCII other
    /// than `\` and control characters; nil if another byte (or the end) comes first.
    @inlinable @inline(__always)
    internal func plainASCIIStringEnd(from start: Int) -> Int? {
        // Sixteen bytes at a time, then byte by byte from the stop (or the document's last bytes).
        var p = plainASCIIStop(from: start)
        while p < count {
            let b = base[p]
            if b == UInt8(ascii: "\"") { return p }
            if b == UInt8(ascii: "\\") || b < 0x20 || b >= 0x80 { return nil }
            p &+= 1
        }
        return nil
    }
}
