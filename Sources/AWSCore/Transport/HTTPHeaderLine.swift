import Foundation

/// Byte-level helpers for the response header lines libcurl hands to `CurlTransport`.
///
/// Every response passes each of its header lines through here, so they work on the bytes:
/// Foundation's `trimmingCharacters(in:)` and strings built from buffer slices were about a tenth
/// of an idle daemon's CPU (docs/benchmarks.md, issue 14).
enum HTTPHeaderLine {
    /// Whether `line` starts a new response (`HTTP/…`, after `100 Continue` or a redirect).
    static func isStatusLine(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        line.count >= 5 && line[0] == UInt8(ascii: "H") && line[1] == UInt8(ascii: "T")
            && line[2] == UInt8(ascii: "T") && line[3] == UInt8(ascii: "P") && line[4] == UInt8(ascii: "/")
    }

    /// `bytes` as a string with leading and trailing whitespace and line ends removed, exactly as
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` would; that slower call is kept for the
    /// rare value whose ends are not ASCII (Unicode spaces count there too).
    static func trimmedValue(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var start = 0
        var end = bytes.count
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        if start < end, bytes[start] >= 0x80 || bytes[end - 1] >= 0x80 {
            return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    /// ASCII whitespace and newlines in Foundation's sense: `\t \n \v \f \r` and space (not the
    /// `\x1c`–`\x1f` separators, which `CharacterSet.whitespacesAndNewlines` does not hold).
    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
}
