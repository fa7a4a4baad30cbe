extension JSONReader {
    /// Sixteen bytes of the document, compared lane by lane (SSE2 on x86-64, NEON on arm64).
    @usableFromInline typealias Chunk = SIMD16<UInt8>

    /// The sixteen bytes at `p`, which must be at most `count - 16`.
    @inlinable @inline(__always)
    func chunk(at p: Int) -> Chunk {
        UnsafeRawPointer(base + p).loadUnaligned(as: Chunk.self)
    }

    // The comparisons below are written vector against vector, their masks cast to bytes and
    // combined with `|`: the release build then compiles each to a few SSE2 instructions, where
    // comparing against a scalar or combining `SIMDMask`s with `.|` went lane by lane through
    // memory (twenty times slower than the word-at-a-time scan this replaced).

    /// 0xFF in the lanes of `bytes` equal to `byte`, 0 elsewhere.
    @inlinable @inline(__always)
    static func lanes(_ bytes: Chunk, equalTo byte: UInt8) -> Chunk {
        unsafeBitCast(bytes .== Chunk(repeating: byte), to: Chunk.self)
    }

    /// 0xFF in the lanes of `bytes` at or above `bound` (unsigned), 0 elsewhere.
    @inlinable @inline(__always)
    static func lanes(_ bytes: Chunk, atLeast bound: UInt8) -> Chunk {
        unsafeBitCast(bytes .>= Chunk(repeating: bound), to: Chunk.self)
    }

    /// The index of the first lane of `mask` that is not 0 (0…15), or nil when all are 0.
    @inlinable @inline(__always)
    static func firstLane(_ mask: Chunk) -> Int? {
        // A set lane is 0xFF: the two halves as words, the lowest set byte is the first lane.
        let words = unsafeBitCast(mask, to: SIMD2<UInt64>.self)
        if words[0] != 0 { return words[0].trailingZeroBitCount &>> 3 }
        if words[1] != 0 { return 8 &+ words[1].trailingZeroBitCount &>> 3 }
        return nil
    }

    /// The offset of the first quote or backslash from `start`, sixteen bytes at a time; nil
    /// when the document ends first.
    @inlinable @inline(__always)
    func quoteOrBackslash(from start: Int) -> Int? {
        var p = start
        while p &+ 16 <= count {
            let bytes = chunk(at: p)
            if let lane = Self.firstLane(Self.lanes(bytes, equalTo: 0x22) | Self.lanes(bytes, equalTo: 0x5C)) {
                return p &+ lane
            }
            p &+= 16
        }
        // The last bytes one at a time: a load past the end could cross into an unmapped page.
        while p < count {
            if base[p] == UInt8(ascii: "\"") || base[p] == UInt8(ascii: "\\") { return p }
            p &+= 1
        }
        return nil
    }

    /// The offset of the first byte from `start` that can change the nesting or the in-string
    /// state outside a string (`"` `{` `}` `[` `]` `,`), sixteen bytes at a time; nil when the
    /// document ends first. Backslashes matter only inside strings, which `quoteOrBackslash`
    /// crosses.
    @inlinable @inline(__always)
    func structuralByte(from start: Int) -> Int? {
        var p = start
        while p &+ 16 <= count {
            let bytes = chunk(at: p)
            // `{` and `[` differ only in bit 5 (0x20), as do `}` and `]`.
            let folded = bytes | Chunk(repeating: 0x20)
            let stops =
                Self.lanes(bytes, equalTo: 0x22) | Self.lanes(bytes, equalTo: 0x2C) | Self.lanes(folded, equalTo: 0x7B)
                | Self.lanes(folded, equalTo: 0x7D)
            if let lane = Self.firstLane(stops) { return p &+ lane }
            p &+= 16
        }
        while p < count {
            switch base[p] {
            case UInt8(ascii: "\""), UInt8(ascii: ","), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["),
                UInt8(ascii: "]"):
                return p
            default: p &+= 1
            }
        }
        return nil
    }

    /// Where the scan of a string's raw bytes from `start` stops: at the first quote, backslash
    /// or control character, or at the last sixteen bytes of the document (the byte loop takes
    /// over there). `nonASCII` is set when a byte with the high bit was crossed (or seen in the
    /// chunk of the stop: that only makes a UTF-8 check run on text that passes it).
    @inlinable @inline(__always)
    func stringStop(from start: Int, nonASCII: inout Bool) -> Int {
        var p = start
        while p &+ 16 <= count {
            let bytes = chunk(at: p)
            if Self.firstLane(Self.lanes(bytes, atLeast: 0x80)) != nil { nonASCII = true }
            // Control characters: below 0x20, so not at or above it.
            let stops =
                Self.lanes(bytes, equalTo: 0x22) | Self.lanes(bytes, equalTo: 0x5C) | ~Self.lanes(bytes, atLeast: 0x20)
            if let lane = Self.firstLane(stops) { return p &+ lane }
            p &+= 16
        }
        return p
    }

    /// Where the scan of a plain string's bytes from `start` stops: at the first quote,
    /// backslash, control or non-ASCII byte, or at the last sixteen bytes of the document.
    @inlinable @inline(__always)
    func plainASCIIStop(from start: Int) -> Int {
        var p = start
        while p &+ 16 <= count {
            let bytes = chunk(at: p)
            // Below 0x20 or from 0x80 on: outside 0x20..<0x80 once shifted down by 0x20.
            let stops =
                Self.lanes(bytes, equalTo: 0x22) | Self.lanes(bytes, equalTo: 0x5C)
                | Self.lanes(bytes &- Chunk(repeating: 0x20), atLeast: 0x60)
            if let lane = Self.firstLane(stops) { return p &+ lane }
            p &+= 16
        }
        return p
    }
}
