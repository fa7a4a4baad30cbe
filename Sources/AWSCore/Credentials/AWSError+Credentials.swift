extension AWSError {
    /// The code a provider throws when it has nothing configured (no variables, no profile), so
    /// that a `CredentialChain` moves on to the next provider.
    public static let credentialsNotConfiguredCode = "CredentialsNotConfigured"

    /// A provider has nothing configured; the chain tries the next one.
    static func credentialsNotConfigured(_ provider: String, _ reason: String) -> AWSError {
        AWSError(
            kind: .credentials, code: credentialsNotConfiguredCode, message: "\(provider): \(reason)",
            operation: "ResolveCredentials")
    }

    /// A provider is configured but could not produce credentials; the message never carries a
    /// secret.
    static func credentialsFailed(_ provider: String, code: String, _ message: String, httpStatus: Int? = nil)
        -> AWSError
    {
        AWSError(
            kind: .credentials, code: code, message: "\(provider): \(message)", operation: "ResolveCredentials",
            httpStatus: httpStatus)
    }

    /// Whether this error only says "nothing configured here".
    public var isCredentialsNotConfigured: Bool { code == Self.credentialsNotConfiguredCode }
}
