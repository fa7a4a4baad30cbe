import Foundation

/// Remembers the last derived SigV4 signing key, which only changes with the day, the secret,
/// the region or the service: it saves four of the five HMACs of every signature.
final class SigningKeyCache: @unchecked Sendable {
    private struct Entry {
        var secret: String
        var day: Substring
        var region: String
        var service: String
        var key: [UInt8]
    }

    // `lock` guards `entry`.
    private let lock = NSLock()
    private var entry: Entry?

    func key(secret: String, day: Substring, region: String, service: String, derive: () -> [UInt8]) -> [UInt8] {
        lock.lock()
        if let entry, entry.day == day, entry.secret == secret, entry.region == region, entry.service == service {
            let key = entry.key
            lock.unlock()
            return key
        }
        lock.unlock()
        let key = derive()
        lock.lock()
        entry = Entry(secret: secret, day: day, region: region, service: service, key: key)
        lock.unlock()
        return key
    }
}
