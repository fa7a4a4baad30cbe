extension JSONReader {
    /// Reads a string and returns its decoded UTF-8 bytes, valid until the next call on the reader.
    ///
    /// Strings without escapes are returned in place (no copy); escaped strings are decoded into
    /// the reader's scratch buffer. Raw bytes must be well-formed UTF-8; `\u` escapes of UTF-16
    /// surrogates must come in high–low pairs (a lone surrogate cannot become a Swift `String`, so
    /// it is rejected rather than replaced, to keep data exact).
    @inlinable
    public mutating func readStringBytes() throws(JSONParseError) -> UnsafeBufferPointer<UInt8> {
        guard try peek() == UInt8(ascii: "\"") else { throw shapeError("a string") }
        let begin = position + 1
        // Sixteen bytes at a time to the first quote, backslash or control character; the byte
        // loop below starts there (or at the document's last sixteen bytes).
        var nonASCII = false
        var p = stringStop(from: begin, nonASCII: &nonASCII)
        var seen: UInt8 = nonASCII ? 0x80 : 0
        while true {
            guard p < count else { throw error(.unexpectedEnd, at: p) }
            let b = base[p]
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") { return try readEscapedString(from: begin, escapeAt: p) }
            if b < 0x20 { throw error(.controlCharacterInString, at: p) }
            seen |= b
            p += 1
        }
        if seen & 0x80 != 0 { try validateUTF8(from: begin, to: p) }
        position = p + 1
        return UnsafeBufferPointer(start: base + begin, count: p - begin)
    }

    /// Reads a string.
    @inlinable
    public mutating func readString() throws(JSONParseError) -> String {
        String(decoding: try readStringBytes(), as: UTF8.self)
    }

    /// The slow path of `readStringBytes`: decodes from the first escape on into scratch.
    @usableFromInline
    mutating func readEscapedString(from begin: Int, escapeAt firstEscape: Int) throws(JSONParseError)
        -> UnsafeBufferPointer<UInt8>
    {
        var length = 0
        var segment = begin
        var p = firstEscape
        while true {
            guard p < count else { throw error(.unexpectedEnd, at: p) }
            let b = base[p]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                // Flush the raw run before this byte.
                if p > segment {
                    try validateUTF8(from: segment, to: p)
                    scratch.reserve(length + p - segment, keeping: length)
                    (scratch.pointer + length).update(from: base + segment, count: p - segment)
                    length += p - segment
                }
                if b == UInt8(ascii: "\"") { break }
                p = try decodeEscape(at: p, into: &length)
                segment = p
                continue
            }
            if b < 0x20 { throw error(.controlCharacterInString, at: p) }
            p += 1
        }
        position = p + 1
        return UnsafeBufferPointer(start: scratch.pointer, count: length)
    }

    /// Decodes the escape starting with the backslash at `p`, appends it to scratch, and returns
    /// the position after it.
    @usableFromInline
    mutating func decodeEscape(at p: Int, into length: inout Int) throws(JSONParseError) -> Int {
        guard p + 1 < count else { throw error(.unexpectedEnd, at: p + 1) }
        scratch.reserve(length + 4, keeping: length)
        let out = scratch.pointer + length
        let simple: UInt8
        switch base[p + 1] {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            let unit = try hex4(at: p + 2)
            var next = p + 6
            let scalar: UInt32
            if unit >= 0xD800 && unit < 0xDC00 {
                // A high surrogate must be followed at once by an escaped low surrogate.
                guard next + 1 < count, base[next] == UInt8(ascii: "\\"), base[next + 1] == UInt8(ascii: "u") else {
                    throw error(.loneSurrogate, at: p)
                }
                let low = try hex4(at: next + 2)
                guard low >= 0xDC00 && low < 0xE000 else { throw error(.loneSurrogate, at: p) }
                scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                next += 6
            } else if unit >= 0xDC00 && unit < 0xE000 {
                throw error(.loneSurrogate, at: p)
            } else {
                scalar = unit
            }
            length += Self.encodeUTF8(scalar, into: out)
            return next
        default:
            throw error(.invalidEscape, at: p)
        }
        out.pointee = simple
        length += 1
        return p + 2
    }

    @usableFromInline
    func hex4(at p: Int) throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for i in p..<(p + 4) {
            guard i < count else { throw error(.unexpectedEnd, at: i) }
            let c = base[i]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: throw error(.invalidEscape, at: i)
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Writes `scalar` (a valid Unicode scalar value) as UTF-8; returns the byte count (1…4).
    @usableFromInline
    static func encodeUTF8(_ scalar: UInt32, into out: UnsafeMutablePointer<UInt8>) -> Int {
        switch scalar {
        case 0..<0x80:
            out[0] = UInt8(scalar)
            return 1
        case 0x80..<0x800:
            out[0] = UInt8(0xC0 | scalar >> 6)
            out[1] = UInt8(0x80 | scalar & 0x3F)
            return 2
        case 0x800..<0x10000:
            out[0] = UInt8(0xE0 | scalar >> 12)
            out[1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            out[2] = UInt8(0x80 | scalar & 0x3F)
            return 3
        default:
            out[0] = UInt8(0xF0 | scalar >> 18)
            out[1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            out[2] = UInt8(0x80 | scalar >> 6 & 0x3F)
            out[3] = UInt8(0x80 | scalar & 0x3F)
            return 4
        }
    }

    /// Throws unless bytes `begin..<end` are well-formed UTF-8 (no overlongs, no surrogates, no
    /// code points above U+10FFFF: the Unicode definition that Swift's `String` also uses).
    @usableFromInline
    func validateUTF8(from begin: Int, to end: Int) throws(JSONParseError) {
        var p = begin
        while p < end {
            let b0 = base[p]
            if b0 < 0x80 {
                p += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                high = 0x9F
            case 0xF0:
                length = 4
                low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                high = 0x8F
            default: throw error(.invalidUTF8, at: p)
            }
            guard p + length <= end else { throw error(.invalidUTF8, at: p) }
            let b1 = base[p + 1]
            guard b1 >= low && b1 <= high else { throw error(.invalidUTF8, at: p) }
            for i in 2..<length where base[p + i] & 0xC0 != 0x80 { throw error(.invalidUTF8, at: p) }
            p += length
        }
    }
}
