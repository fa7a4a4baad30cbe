/// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`
/// (or the legacy `AWS_SECURITY_TOKEN`).
///
/// Not configured when neither key variable is set; a key without its secret (or the reverse)
/// is an error rather than a reason to fall through to other providers, as in botocore.
public struct EnvironmentCredentialProvider: CredentialProvider {
    public let environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    public func credentials() throws -> Credentials {
        let key = environment["AWS_ACCESS_KEY_ID"].nonEmptySetting
        let secret = environment["AWS_SECRET_ACCESS_KEY"].nonEmptySetting
        switch (key, secret) {
        case (nil, nil):
            throw AWSError.credentialsNotConfigured("environment", "AWS_ACCESS_KEY_ID is not set")
        case (let key?, let secret?):
            let token =
                environment["AWS_SESSION_TOKEN"].nonEmptySetting ?? environment["AWS_SECURITY_TOKEN"].nonEmptySetting
            return Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token, source: "environment")
        case (nil, _):
            throw AWSError.credentialsFailed(
                "environment", code: "PartialCredentials", "AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID")
        case (_, nil):
            throw AWSError.credentialsFailed(
                "environment", code: "PartialCredentials", "AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY")
        }
    }

    public func invalidate() {}
}
