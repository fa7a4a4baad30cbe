/// A forward-only cursor over the bytes of one JSON document, for decoders that go straight from
/// bytes to their own types without building a `JSONValue` tree.
///
/// The reader borrows its bytes: create it inside `withUnsafeBytes` (or `JSONReader.read`) and
/// never let it escape. Byte views it returns (`readStringBytes`, `readNumberBytes`) stay valid
/// until the next call on the reader. Every read checks bounds and validates what it passes
/// (RFC 8259 strings, numbers and literals, well-formed UTF-8), so malformed input throws a
/// `JSONParseError` and never traps. Containers are entered and left with `enterObject` /
/// `nextMember` and `enterArray` / `nextElement`, which track the nesting depth.
public struct JSONReader {
    @usableFromInline let base: UnsafePointer<UInt8>
    @usableFromInline let count: Int
    /// Byte offset of the next unread byte.
    @usableFromInline var position: Int
    /// Byte offset of the next unread byte.
    public var offset: Int { position }
    @usableFromInline var depth: Int
    /// The deepest nesting of arrays and objects accepted.
    public let maxDepth: Int
    @usableFromInline let scratch: JSONScratchBuffer

    /// The default nesting limit: far above any AWS response (DynamoDB nests attribute values
    /// at most 32 deep), far below stack exhaustion: a release build parses a document this
    /// deep in under 128 KiB of stack, a debug build in under 1 MiB.
    public static let defaultMaxDepth = 512

    @inlinable
    public init(_ buffer: UnsafeRawBufferPointer, maxDepth: Int = JSONReader.defaultMaxDepth) {
        // An empty buffer may have no base address; nothing is ever read from it then.
        self.base =
            buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
            ?? UnsafePointer(bitPattern: MemoryLayout<UInt64>.alignment)!
        self.count = buffer.count
        self.position = 0
        self.depth = 0
        self.maxDepth = maxDepth
        self.scratch = JSONScratchBuffer()
    }

    /// Runs `body` with a reader over `bytes`, then requires that only whitespace follows.
    @inlinable
    public static func read<T>(
        _ bytes: [UInt8], maxDepth: Int = JSONReader.defaultMaxDepth, _ body: (inout JSONReader) throws -> T
    ) throws -> T {
        try bytes.withUnsafeBytes { buffer in
            var reader = JSONReader(buffer, maxDepth: maxDepth)
            let value = try body(&reader)
            try reader.finish()
            return value
        }
    }

    @inlinable
    func error(_ reason: JSONParseError.Reason, at offset: Int) -> JSONParseError {
        JSONParseError(offset: offset, reason: reason)
    }

    /// A shape error at the current position, for decoders built on the reader.
    @inlinable
    public func shapeError(_ expected: String) -> JSONParseError {
        JSONParseError(offset: position, reason: .unexpectedShape(expected))
    }

    /// Where `bytes` (from `readStringBytes` or `readMemberName`) start in the document, or nil
    /// when they are not in it: an escaped string, decoded into scratch.
    @inlinable
    public func documentOffset(of bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let start = bytes.baseAddress, start >= base, start <= base + count else { return nil }
        return start - base
    }

    // MARK: Whitespace and single bytes

    @inlinable @inline(__always)
    public mutating func skipWhitespace() {
        while position < count {
            let b = base[position]
            // space, \t, \n, \r
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            position += 1
        }
    }

    /// Skips whitespace and returns the next byte without consuming it.
    @inlinable @inline(__always)
    public mutating func peek() throws(JSONParseError) -> UInt8 {
        skipWhitespace()
        guard position < count else { throw error(.unexpectedEnd, at: position) }
        return base[position]
    }

    /// Skips whitespace and consumes `byte`, or throws.
    @inlinable @inline(__always)
    public mutating func expect(_ byte: UInt8) throws(JSONParseError) {
        let b = try peek()
        guard b == byte else { throw error(.unexpectedByte(b), at: position) }
        position += 1
    }

    /// Requires that only whitespace remains.
    @inlinable
    public mutating func finish() throws(JSONParseError) {
        skipWhitespace()
        if position < count { throw error(.trailingData, at: position) }
    }

    // MARK: Containers

    /// Consumes `{`; returns false (having consumed `}`) when the object is empty.
    @inlinable
    public mutating func enterObject() throws(JSONParseError) -> Bool {
        try expect(UInt8(ascii: "{"))
        return try enterContainer(closing: UInt8(ascii: "}"))
    }

    /// Consumes `[`; returns false (having consumed `]`) when the array is empty.
    @inlinable
    public mutating func enterArray() throws(JSONParseError) -> Bool {
        try expect(UInt8(ascii: "["))
        return try enterContainer(closing: UInt8(ascii: "]"))
    }

    @inlinable
    mutating func enterContainer(closing: UInt8) throws(JSONParseError) -> Bool {
        depth += 1
        guard depth <= maxDepth else { throw error(.tooDeep, at: position - 1) }
        if try peek() == closing {
            position += 1
            depth -= 1
            return false
        }
        return true
    }

    /// After a member's value: consumes `,` (true: another member follows) or `}` (false).
    @inlinable
    public mutating func nextMember() throws(JSONParseError) -> Bool {
        try nextItem(closing: UInt8(ascii: "}"))
    }

    /// After an element: consumes `,` (true: another element follows) or `]` (false).
    @inlinable
    public mutating func nextElement() throws(JSONParseError) -> Bool {
        try nextItem(closing: UInt8(ascii: "]"))
    }

    @inlinable @inline(__always)
    mutating func nextItem(closing: UInt8) throws(JSONParseError) -> Bool {
        let b = try peek()
        position += 1
        if b == UInt8(ascii: ",") { return true }
        if b == closing {
            depth -= 1
            return false
        }
        throw error(.unexpectedByte(b), at: position - 1)
    }

    /// Reads a member name and the `:` after it; the bytes are valid until the next call.
    @inlinable
    public mutating func readMemberName() throws(JSONParseError) -> UnsafeBufferPointer<UInt8> {
        // Nearly every name is plain ASCII with the colon right after it: then its bytes are
        // exactly what `readStringBytes` returns (nothing to unescape or validate) and the colon
        // is what `expect` consumes.
        skipWhitespace()
        if position < count, base[position] == UInt8(ascii: "\""), let end = plainASCIIStringEnd(from: position + 1),
            end + 1 < count, base[end + 1] == UInt8(ascii: ":")
        {
            let name = UnsafeBufferPointer(start: base + position + 1, count: end - position - 1)
            position = end + 2
            return name
        }
        let name = try readStringBytes()
        try expect(UInt8(ascii: ":"))
        return name
    }

    // MARK: Literals and numbers

    /// Consumes `null` if it comes next; false (consuming nothing) for any other value.
    @inlinable
    public mutating func readNullIfPresent() throws(JSONParseError) -> Bool {
        guard try peek() == UInt8(ascii: "n") else { return false }
        try readLiteral("null")
        return true
    }

    @inlinable
    public mutating func readBool() throws(JSONParseError) -> Bool {
        switch try peek() {
        case UInt8(ascii: "t"):
            try readLiteral("true")
            return true
        case UInt8(ascii: "f"):
            try readLiteral("false")
            return false
        default: throw shapeError("a boolean")
        }
    }

    @inlinable
    mutating func readLiteral(_ literal: StaticString) throws(JSONParseError) {
        let n = literal.utf8CodeUnitCount
        let text = literal.utf8Start
        for i in 0..<n {
            guard position + i < count else { throw error(.unexpectedEnd, at: position + i) }
            guard base[position + i] == text[i] else {
                throw error(.unexpectedByte(base[position + i]), at: position + i)
            }
        }
        position += n
    }

    /// Reads a number and returns its exact text (valid until the next call).
    ///
    /// Grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    @inlinable
    public mutating func readNumberBytes() throws(JSONParseError) -> UnsafeBufferPointer<UInt8> {
        guard try peek() == UInt8(ascii: "-") || (base[position] &- 0x30) < 10 else { throw shapeError("a number") }
        let begin = position
        var p = position
        if base[p] == UInt8(ascii: "-") { p += 1 }
        guard p < count else { throw error(.unexpectedEnd, at: p) }
        if base[p] == UInt8(ascii: "0") {
            p += 1
        } else if (base[p] &- 0x31) < 9 {
            p += 1
            while p < count, (base[p] &- 0x30) < 10 { p += 1 }
        } else {
            throw error(.invalidNumber, at: p)
        }
        if p < count, base[p] == UInt8(ascii: ".") {
            p += 1
            guard p < count, (base[p] &- 0x30) < 10 else { throw error(.invalidNumber, at: p) }
            while p < count, (base[p] &- 0x30) < 10 { p += 1 }
        }
        if p < count, base[p] | 0x20 == UInt8(ascii: "e") {
            p += 1
            if p < count, base[p] == UInt8(ascii: "+") || base[p] == UInt8(ascii: "-") { p += 1 }
            guard p < count, (base[p] &- 0x30) < 10 else { throw error(.invalidNumber, at: p) }
            while p < count, (base[p] &- 0x30) < 10 { p += 1 }
        }
        position = p
        return UnsafeBufferPointer(start: base + begin, count: p - begin)
    }

    /// Reads a number and returns its exact text.
    @inlinable
    public mutating func readNumberText() throws(JSONParseError) -> String {
        String(decoding: try readNumberBytes(), as: UTF8.self)
    }

    // MARK: Skipping

    /// Reads and discards one value of any kind, validating it as strictly as a full parse.
    public mutating func skipValue() throws(JSONParseError) {
        switch try peek() {
        case UInt8(ascii: "\""):
            _ = try readStringBytes()
        case UInt8(ascii: "{"):
            if try enterObject() {
                repeat {
                    _ = try readMemberName()
                    try skipValue()
                } while try nextMember()
            }
        case UInt8(ascii: "["):
            if try enterArray() {
                repeat { try skipValue() } while try nextElement()
            }
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            _ = try readBool()
        case UInt8(ascii: "n"):
            try readLiteral("null")
        default:
            _ = try readNumberBytes()
        }
    }
}

/// Growable byte storage the reader decodes escaped strings into, reused across strings so that
/// only the first escaped string of a document allocates.
@usableFromInline
final class JSONScratchBuffer {
    @usableFromInline var pointer: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int

    @usableFromInline
    init() {
        capacity = 256
        pointer = .allocate(capacity: capacity)
    }

    deinit { pointer.deallocate() }

    /// Makes room for `needed` bytes, keeping the first `kept`.
    @usableFromInline
    func reserve(_ needed: Int, keeping kept: Int) {
        guard needed > capacity else { return }
        let newCapacity = max(needed, capacity * 2)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: pointer, count: kept)
        pointer.deallocate()
        pointer = grown
        capacity = newCapacity
    }
}
