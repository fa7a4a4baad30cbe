/// The parts of a request URL that SigV4 signs, split at the byte level.
///
/// Foundation's `URL` rejects or rewrites some inputs (raw spaces, unicode, `..` segments) that
/// must still be signed exactly as they will be sent, so the split is done here by hand, the way
/// Python's `urlsplit` does it for the URLs botocore signs.
struct SigningURL {
    var scheme: String
    /// The authority without user info (`host[:port]`), as written.
    var authority: Substring
    /// The path as written (possibly empty), without query or fragment.
    var path: Substring
    /// The query after `?`, without the fragment; nil when there is no `?`.
    var query: Substring?

    init(_ url: String) {
        // Byte-level search: every delimiter is ASCII, and Character-based search would pay for
        // grapheme breaking on every signature.
        let bytes = url.utf8
        var start = bytes.startIndex
        scheme = ""
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
            bytes[colon...].starts(with: "://".utf8),
            !bytes[..<colon].contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") })
        {
            scheme = url[..<colon].lowercased()
            start = bytes.index(colon, offsetBy: 3)
        }
        let end = bytes[start...].firstIndex(of: UInt8(ascii: "#")) ?? bytes.endIndex
        let authorityEnd =
            bytes[start..<end].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? end
        var authorityStart = start
        if let at = bytes[start..<authorityEnd].lastIndex(of: UInt8(ascii: "@")) {
            authorityStart = bytes.index(after: at)
        }
        authority = url[authorityStart..<authorityEnd]
        if let mark = bytes[authorityEnd..<end].firstIndex(of: UInt8(ascii: "?")) {
            path = url[authorityEnd..<mark]
            query = url[bytes.index(after: mark)..<end]
        } else {
            path = url[authorityEnd..<end]
            query = nil
        }
    }

    /// The `host` header value botocore derives: lowercase host, port only when not the scheme's
    /// default.
    var hostHeader: String {
        var host = Substring(authority)
        var port: Substring?
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            // IPv6 literal: the port, if any, follows the closing bracket.
            let after = host.index(after: close)
            if after < host.endIndex, host[after] == ":" { port = host[host.index(after: after)...] }
            host = host[...close]
        } else if let colon = host.lastIndex(of: ":") {
            port = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        let lowered = host.lowercased()
        guard let port, !port.isEmpty, let number = Int(port) else { return lowered }
        let defaultPort = scheme == "http" ? 80 : scheme == "https" ? 443 : nil
        return number == defaultPort ? lowered : "\(lowered):\(number)"
    }
}
