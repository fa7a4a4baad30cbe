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
        // `:{"T":"` then the text.
        let p = nameEnd + 1
        guard p + 7 <= count, base[p] == UInt8(ascii: ":"), base[p + 1] == UInt8(ascii: "{"), base[p + 2] == quote,
            base[p + 3] == UInt8(ascii: "S") || base[p + 3] == UInt8(ascii: "N"), base[p + 4] == quote,
            base[p + 5] == UInt8(ascii: ":"), base[p + 6] == quote,
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
        var p = start
        // Eight bytes at a time: each test sets the high bit of the bytes that are a quote, a
        // backslash, a control or a non-ASCII byte, exactly for the first such byte (borrows
        // only mark bytes after it), so the lowest mark is the first stop.
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while p &+ 8 <= count {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self))
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let stops =
                ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)
                | word
            let marks = stops & highs
            if marks != 0 {
                let stop = p &+ marks.trailingZeroBitCount &>> 3
                return base[stop] == UInt8(ascii: "\"") ? stop : nil
            }
            p &+= 8
        }
        while p < count {
            let b = base[p]
            if b == UInt8(ascii: "\"") { return p }
            if b == UInt8(ascii: "\\") || b < 0x20 || b >= 0x80 { return nil }
            p &+= 1
        }
        return nil
    }
}
