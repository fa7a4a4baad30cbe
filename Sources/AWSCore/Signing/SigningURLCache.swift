import Foundation

/// Remembers the signing parts of the last URL a signer saw (host header, canonical URI and
/// query). A client signs the same endpoint URL on every call, so this saves splitting the URL,
/// lowercasing the host and re-encoding the path and query on each signature.
final class SigningURLCache: @unchecked Sendable {
    /// What SigV4 signs of one URL.
    struct Parts {
        /// The `host` header value botocore derives (`SigningURL.hostHeader`).
        var hostHeader: String
        /// The canonical URI line (without its newline).
        var canonicalPath: [UInt8]
        /// The canonical query line (without its newline).
        var canonicalQuery: [UInt8]
    }

    // `lock` guards `url`, `normalizesPath` and `parts`.
    private let lock = NSLock()
    private var url: String?
    private var normalizesPath = false
    private var parts: Parts?

    /// The parts of `url`, from the cache when `url` and `normalizesPath` are the last ones seen
    /// (copies of a signer share this cache and may differ in `normalizesPath`), else from `make`.
    func parts(of url: String, normalizesPath: Bool, make: () -> Parts) -> Parts {
        lock.lock()
        if let parts, self.url == url, self.normalizesPath == normalizesPath {
            lock.unlock()
            return parts
        }
        lock.unlock()
        let made = make()
        lock.lock()
        self.url = url
        self.normalizesPath = normalizesPath
        parts = made
        lock.unlock()
        return made
    }
}
