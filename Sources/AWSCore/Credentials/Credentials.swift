import Foundation

/// A set of AWS credentials. `description` never shows the secret or the token.
public struct Credentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// When temporary credentials stop working; nil for long-term keys.
    public var expiration: Date?
    /// Which provider produced them (for logs and `status`), e.g. `environment`, `imds`.
    public var source: String

    public init(
        accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil,
        source: String
    ) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
        self.source = source
    }

    public var description: String {
        let prefix = accessKeyID.prefix(4)
        return "Credentials(\(prefix)…, source: \(source), temporary: \(sessionToken != nil))"
    }
}

/// Supplies credentials to signers; shared by every worker, so implementations are thread-safe.
///
/// `credentials()` returns cached credentials and refreshes them before they expire; at most one
/// caller performs a refresh while the others keep using the still-valid cached value.
public protocol CredentialProvider: Sendable {
    func credentials() throws -> Credentials
    /// Drops the cache after the service rejected the credentials (ExpiredTokenException).
    func invalidate()
}
