import Foundation
import Logging

/// Tries providers in order and returns the first credentials found.
///
/// A provider that throws `credentialsNotConfigured` is skipped; any other error stops the
/// chain, because a configured source that fails (an unreachable container endpoint, a partial
/// key pair) must not silently yield to other credentials. Does no caching of its own: wrap it
/// in a `CachedCredentialProvider`, or use `CredentialChain.makeDefault`.
public struct CredentialChain: CredentialProvider {
    public let providers: [any CredentialProvider]

    public init(_ providers: [any CredentialProvider]) {
        self.providers = providers
    }

    public func credentials() throws -> Credentials {
        var skipped: [String] = []
        for provider in providers {
            do {
                return try provider.credentials()
            } catch let error as AWSError where error.isCredentialsNotConfigured {
                skipped.append(error.message)
            }
        }
        throw AWSError(
            kind: .credentials, code: "NoCredentials",
            message: "no credential provider is configured (" + skipped.joined(separator: "; ") + ")",
            operation: "ResolveCredentials")
    }

    public func invalidate() {
        for provider in providers { provider.invalidate() }
    }

    /// The standard chain, cached: environment, shared files (`AWS_PROFILE`), container
    /// endpoint (ECS/EKS), then EC2 instance metadata (IMDSv2).
    ///
    /// `transport` serves the container and metadata endpoints only: give it short timeouts
    /// (about 1 s to connect), and use it for nothing else. `imds` lets the region resolver share
    /// the metadata client and its token; build it on the same `SerialTransport` (or another
    /// transport) so that no transport is ever used by two threads at once.
    public static func makeDefault(
        environment: [String: String], transport: any HTTPTransport, imds: InstanceMetadataClient? = nil,
        refreshMargin: Duration = .seconds(300), logger: Logging.Logger
    ) -> CachedCredentialProvider {
        // One lock for both network providers, whichever thread refreshes.
        let transport = transport as? SerialTransport ?? SerialTransport(transport)
        let metadata = imds ?? InstanceMetadataClient(environment: environment, transport: transport)
        let chain = CredentialChain([
            EnvironmentCredentialProvider(environment: environment),
            ProfileCredentialProvider(environment: environment),
            ContainerCredentialProvider(environment: environment, transport: transport),
            InstanceMetadataCredentialProvider(client: metadata),
        ])
        return CachedCredentialProvider(chain, refreshMargin: refreshMargin, logger: logger)
    }
}
