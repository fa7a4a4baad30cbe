/// Always returns the same credentials (configuration files, tests).
public struct StaticCredentialProvider: CredentialProvider {
    public let value: Credentials

    public init(_ credentials: Credentials) {
        self.value = credentials
    }

    public func credentials() throws -> Credentials { value }
    public func invalidate() {}
}
