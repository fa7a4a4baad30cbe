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
        var rest = Substring(url)
        if let range = rest.range(of: "://") {
            scheme = rest[..<range.lowerBound].lowercased()
            rest = rest[range.upperBound...]
        } else {
            scheme = ""
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        self.authority = authority
        rest = rest[authorityEnd...]
        if let mark = rest.firstIndex(of: "?") {
            path = rest[..<mark]
            query = rest[rest.index(after: mark)...]
        } else {
            path = rest
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
