/// Credentials of the EC2 instance profile: the role name from
/// `/latest/meta-data/iam/security-credentials/`, then that role's credentials document.
///
/// Fetches on every call; wrap it in a `CachedCredentialProvider` (the default chain does).
/// Not configured when IMDS is disabled (`client` nil).
public struct InstanceMetadataCredentialProvider: CredentialProvider {
    public let client: InstanceMetadataClient?

    public init(client: InstanceMetadataClient?) {
        self.client = client
    }

    public func credentials() throws -> Credentials {
        guard let client else {
            throw AWSError.credentialsNotConfigured("imds", "AWS_EC2_METADATA_DISABLED is true")
        }
        let base = "/latest/meta-data/iam/security-credentials/"
        let roles = try client.get(base)
        guard let role = roles.split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty else {
            throw AWSError.credentialsFailed("imds", code: "NoInstanceRole", "the instance has no IAM role")
        }
        let document = try client.get(base + role)
        return try Credentials(document: Array(document.utf8), source: "imds")
    }

    public func invalidate() {}
}
