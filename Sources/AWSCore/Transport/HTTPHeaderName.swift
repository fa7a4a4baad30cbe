/// Case-insensitive header-name work without building lowercased strings.
///
/// Signing and header look-ups compare every header name of every request; `lowercased()` on
/// each allocated a string per name. These helpers give exactly the answers of Swift's
/// `lowercased()` (for ASCII names by folding bytes; any name with a non-ASCII byte still goes
/// through `lowercased()`, whose Unicode rules can map such a name onto an ASCII one).
enum HTTPHeaderName {
    /// Whether `lhs.lowercased() == rhs.lowercased()`.
    static func equal(_ lhs: String, _ rhs: String) -> Bool {
        let folded: Bool? =
            lhs.utf8.withContiguousStorageIfAvailable { left in
                rhs.utf8.withContiguousStorageIfAvailable { right -> Bool? in
                    guard isASCII(left), isASCII(right) else { return nil }
                    guard left.count == right.count else { return false }
                    for index in 0..<left.count where fold(left[index]) != fold(right[index]) { return false }
                    return true
                } ?? nil
            } ?? nil
        return folded ?? (lhs.lowercased() == rhs.lowercased())
    }

    /// The UTF-8 bytes of `name.lowercased()`.
    static func lowercasedBytes(_ name: Substring) -> [UInt8] {
        let folded: [UInt8]? =
            name.utf8.withContiguousStorageIfAvailable { bytes in
                guard isASCII(bytes) else { return nil }
                return bytes.map(fold)
            } ?? nil
        return folded ?? Array(name.lowercased().utf8)
    }

    /// The UTF-8 bytes of `name` with leading and trailing spaces and tabs removed, lowercased
    /// (what signing does to a header name).
    static func trimmedLowercasedBytes(_ name: String) -> [UInt8] {
        let folded: [UInt8]? =
            name.utf8.withContiguousStorageIfAvailable { bytes in
                var start = 0
                var end = bytes.count
                while start < end, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") {
                    start += 1
                }
                while end > start, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") {
                    end -= 1
                }
                let trimmed = UnsafeBufferPointer(rebasing: bytes[start..<end])
                guard isASCII(trimmed) else { return nil }
                return trimmed.map(fold)
            } ?? nil
        return folded ?? lowercasedBytes(trimmedSlowly(name))
    }

    // Spaces and tabs are ASCII, so trimming on the UTF-8 view never splits a character.
    private static func trimmedSlowly(_ name: String) -> Substring {
        let isSpace: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let first = name.utf8.firstIndex(where: { !isSpace($0) }),
            let last = name.utf8.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return name[first...last]
    }

    @inline(__always)
    static func fold(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in bytes where byte >= 0x80 { return false }
        return true
    }
}
