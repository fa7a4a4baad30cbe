// The three canonical parts of a SigV4 request (URI, query, headers), built as bytes.
//
// They follow botocore's `SigV4Auth` for non-S3 services, which is what AWS services check:
// the URI is the wire path with dot segments and empty segments removed, then percent-encoded
// once more (so `%20` on the wire signs as `%2520`); the query is decoded and re-encoded per
// RFC 3986 and sorted by key, then value; header values are trimmed with inner whitespace folded.

extension SigV4Signer {
    /// Headers that proxies or the HTTP stack may add, drop or rewrite, so they are never signed
    /// (botocore's list).
    static let unsignedHeaders: Set<String> = [
        "authorization", "baggage", "connection", "expect", "keep-alive", "proxy-authenticate",
        "proxy-authorization", "te", "traceparent", "tracestate", "trailer", "transfer-encoding",
        "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    /// The canonical URI of a wire path: `/` for an empty path, dot and empty segments removed
    /// (RFC 3986 §5.2.4 plus AWS's collapsing of `//`), then percent-encoded keeping `/` and `~`.
    static func canonicalURI(_ path: Substring) -> [UInt8] {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty else { return [UInt8(ascii: "/")] }
        var segments: [ArraySlice<UInt8>] = []
        for segment in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if segment.elementsEqual([UInt8(ascii: ".")]) { continue }
            if segment.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                if !segments.isEmpty { segments.removeLast() }
                continue
            }
            segments.append(segment)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        if bytes.first == UInt8(ascii: "/") { out.append(UInt8(ascii: "/")) }
        for (index, segment) in segments.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "/")) }
            percentEncode(segment, into: &out, keepSlash: true)
        }
        if bytes.last == UInt8(ascii: "/"), !segments.isEmpty { out.append(UInt8(ascii: "/")) }
        return out
    }

    /// The canonical query: each `key=value` pair decoded and re-encoded (RFC 3986 unreserved
    /// characters kept), a missing `=` meaning an empty value, sorted by key and then by value.
    static func canonicalQuery(_ query: Substring?) -> [UInt8] {
        guard let query, !query.isEmpty else { return [] }
        var pairs: [(key: [UInt8], value: [UInt8])] = []
        for pair in Array(query.utf8).split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false) {
            var key: [UInt8] = []
            var value: [UInt8] = []
            if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                percentEncode(percentDecode(pair[..<equals]), into: &key, keepSlash: false)
                percentEncode(percentDecode(pair[(equals + 1)...]), into: &value, keepSlash: false)
            } else {
                percentEncode(percentDecode(pair), into: &key, keepSlash: false)
            }
            pairs.append((key, value))
        }
        pairs.sort { lhs, rhs in
            lhs.key == rhs.key
                ? lhs.value.lexicographicallyPrecedes(rhs.value) : lhs.key.lexicographicallyPrecedes(rhs.key)
        }
        var out: [UInt8] = []
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            out += pair.key
            out.append(UInt8(ascii: "="))
            out += pair.value
        }
        return out
    }

    /// The canonical header block (`name:value\n` per name, sorted, repeated names joined with
    /// `,` in the order given) and the signed-headers list (`a;b;c`), both as bytes.
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (block: [UInt8], signed: [UInt8]) {
        // Byte arrays, not a dictionary of strings: this runs for every request sent.
        var entries: [(name: [UInt8], order: Int, value: [UInt8])] = []
        entries.reserveCapacity(headers.count)
        for (order, header) in headers.enumerated() {
            let name = HTTPHeaderName.trimmedLowercasedBytes(header.name)
            if unsignedHeaderBytes.contains(name) { continue }
            var value: [UInt8] = []
            appendTrimmed(header.value, to: &value)
            entries.append((name, order, value))
        }
        entries.sort { lhs, rhs in
            lhs.name == rhs.name ? lhs.order < rhs.order : lhs.name.lexicographicallyPrecedes(rhs.name)
        }
        var block: [UInt8] = []
        block.reserveCapacity(256)
        var signed: [UInt8] = []
        signed.reserveCapacity(128)
        for (index, entry) in entries.enumerated() {
            if index > 0, entries[index - 1].name == entry.name {
                // A repeated name: its value joins the previous line's.
                block[block.count - 1] = UInt8(ascii: ",")
            } else {
                if index > 0 { signed.append(UInt8(ascii: ";")) }
                signed += entry.name
                block += entry.name
                block.append(UInt8(ascii: ":"))
            }
            block += entry.value
            block.append(UInt8(ascii: "\n"))
        }
        return (block, signed)
    }

    /// `unsignedHeaders` as bytes, for `canonicalHeaders`.
    private static let unsignedHeaderBytes: [[UInt8]] = unsignedHeaders.map { Array($0.utf8) }

    /// Appends `value` with leading and trailing whitespace removed and each inner run of
    /// whitespace folded to one space (Python's `' '.join(value.split())` on ASCII whitespace).
    private static func appendTrimmed(_ value: String, to out: inout [UInt8]) {
        var value = value
        value.withUTF8 { bytes in
            out.reserveCapacity(out.count + bytes.count)
            var index = 0
            var wroteAny = false
            while index < bytes.count {
                // Copy each run of non-whitespace in one go (session tokens are long).
                while index < bytes.count, isWhitespace(bytes[index]) { index += 1 }
                let runStart = index
                while index < bytes.count, !isWhitespace(bytes[index]) { index += 1 }
                guard index > runStart else { break }
                if wroteAny { out.append(UInt8(ascii: " ")) }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                wroteAny = true
            }
        }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        // Space, \t \n \v \f \r and the \x1c–\x1f separators Python's str.split() also splits on.
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) || (byte >= 0x1C && byte <= 0x1F)
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func percentEncode(_ bytes: some Sequence<UInt8>, into out: inout [UInt8], keepSlash: Bool) {
        let digits: [UInt8] = Array("0123456789ABCDEF".utf8)
        for byte in bytes {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0F)])
            }
        }
    }

    /// Decodes `%XX`; a `%` not followed by two hex digits stays literal (and is then re-encoded
    /// as `%25`), so malformed input still signs deterministically instead of failing.
    private static func percentDecode(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex, let high = hexValue(bytes[index + 1]),
                let low = hexValue(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
