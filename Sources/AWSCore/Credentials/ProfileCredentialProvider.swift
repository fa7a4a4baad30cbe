/// Static keys of the selected profile in the shared credentials file, then the config file
/// (`aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`).
///
/// The files are read again on every call, so an edited file is picked up at the next refresh.
/// Profiles that assume roles, run processes or use SSO are not supported. Selected by default
/// they count as not configured (with a message saying so); named explicitly (`AWS_PROFILE`, the
/// daemon's `aws.profile`) they are a fatal error, so the chain never falls through to other
/// credentials (such as the instance role) the operator did not choose. A profile named
/// explicitly that exists in neither file is an error too, as in botocore.
public struct ProfileCredentialProvider: CredentialProvider {
    public let environment: [String: String]
    /// A profile to use instead of the environment's choice.
    public let profile: String?

    public init(environment: [String: String], profile: String? = nil) {
        self.environment = environment
        self.profile = profile
    }

    public func credentials() throws -> Credentials {
        let config = SharedConfig.load(environment: environment, profile: profile)
        let name = config.profileName
        if config.credentialsSection == nil && config.configSection == nil {
            if config.profileExplicit {
                throw AWSError.credentialsFailed(
                    "profile", code: "ProfileNotFound", "profile \(name) is in neither shared file")
            }
            throw AWSError.credentialsNotConfigured("profile", "no [\(name)] profile in the shared files")
        }
        // Keys come as a pair from one file, never one from each.
        for (section, file) in [(config.credentialsSection, "credentials"), (config.configSection, "config")] {
            guard let section else { continue }
            let key = section["aws_access_key_id"].nonEmptySetting
            let secret = section["aws_secret_access_key"].nonEmptySetting
            if let key, let secret {
                let token =
                    section["aws_session_token"].nonEmptySetting ?? section["aws_security_token"].nonEmptySetting
                return Credentials(
                    accessKeyID: key, secretAccessKey: secret, sessionToken: token, source: "profile:\(name)")
            }
            if key != nil || secret != nil {
                throw AWSError.credentialsFailed(
                    "profile", code: "PartialCredentials",
                    "profile \(name) in the \(file) file has only one of the key pair")
            }
        }
        let unsupported = ["role_arn", "credential_process", "sso_session", "sso_start_url", "web_identity_token_file"]
            .filter { config.value($0) != nil }
        if config.profileExplicit && !unsupported.isEmpty {
            throw AWSError(
                kind: .fatal, code: "UnsupportedProfile",
                message:
                    "profile: profile \(name) uses \(unsupported.joined(separator: ", ")), which this build does not support; give it static keys, or leave the profile unset to use the default chain",
                operation: "ResolveCredentials")
        }
        let reason =
            unsupported.isEmpty ? "has no static keys" : "uses unsupported \(unsupported.joined(separator: ", "))"
        throw AWSError.credentialsNotConfigured("profile", "profile \(name) \(reason)")
    }

    public func invalidate() {}
}
