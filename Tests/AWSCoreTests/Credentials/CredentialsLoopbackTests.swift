import Foundation
import Logging
import TestPeers
import Testing

@testable import AWSCore

/// Credential providers against real loopback peers: Tests/peers/imds_server.py (IMDSv2) and
/// Tests/peers/ecs_credentials_server.py (container endpoint), over CurlTransport.
@Suite struct CredentialsLoopbackTests {
    let logger = Logger(label: "test.credentials")

    static func transport() -> CurlTransport {
        CurlTransport(configuration: .init(connectTimeout: .seconds(2), requestTimeout: .seconds(5)))
    }

    /// The peer's counters from `GET /_stats`.
    static func stats(_ server: PeerScriptServer) throws -> [String: Int] {
        let response = try transport().send(
            HTTPRequest(method: "GET", url: server.endpoint + "/_stats"), operation: "Stats")
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Int])
    }

    @Test func imds_rejectsTokenlessCalls_andResolvesWithOneReusedToken() throws {
        let imds = try PeerScriptServer(script: "imds_server.py", arguments: ["--expires-in", "3600"])
        // The peer really enforces IMDSv2: a GET without a token is refused.
        let bare = try Self.transport().send(
            HTTPRequest(method: "GET", url: imds.endpoint + "/latest/meta-data/iam/security-credentials/"),
            operation: "Probe")
        #expect(bare.status == 401)
        #expect(try Self.stats(imds)["unauthorized"] == 1)

        let client = try #require(
            InstanceMetadataClient(
                environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.endpoint + "/"], transport: Self.transport()))
        let provider = InstanceMetadataCredentialProvider(client: client)
        let first = try provider.credentials()
        #expect(first.accessKeyID == "ASIAIMDS000001")
        #expect(first.sessionToken == "imds-token-1")
        #expect(first.source == "imds")
        let expiration = try #require(first.expiration)
        #expect(abs(expiration.timeIntervalSinceNow - 3600) < 30)
        let second = try provider.credentials()
        #expect(second.accessKeyID == "ASIAIMDS000002")
        let stats = try Self.stats(imds)
        #expect(stats["token_puts"] == 1)  // the session token was reused
        #expect(stats["credential_fetches"] == 2)
        #expect(stats["unauthorized"] == 1)  // only the probe above
        #expect(client.tokenFetchCount == 1)
    }

    @Test func imds_tokenRenewedNearItsTTL() throws {
        let imds = try PeerScriptServer(script: "imds_server.py")
        let client = try #require(
            InstanceMetadataClient(
                environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.endpoint], transport: Self.transport(),
                tokenTTL: .seconds(4)))
        _ = try client.get("/latest/meta-data/placement/region")
        _ = try client.get("/latest/meta-data/placement/region")
        #expect(client.tokenFetchCount == 1)
        usleep(2_200_000)  // within 2 s (half the TTL) of expiry: renew before use
        #expect(try client.get("/latest/meta-data/placement/region") == "eu-central-1")
        #expect(client.tokenFetchCount == 2)
        #expect(try Self.stats(imds)["unauthorized"] == 0)
    }

    @Test func imds_revokedTokenIsReplacedAfterOne401() throws {
        let imds = try PeerScriptServer(script: "imds_server.py")
        let client = try #require(
            InstanceMetadataClient(
                environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.endpoint], transport: Self.transport()))
        #expect(try client.get("/latest/meta-data/placement/region") == "eu-central-1")
        let revoke = try Self.transport().send(
            HTTPRequest(method: "POST", url: imds.endpoint + "/_revoke_tokens"), operation: "Revoke")
        #expect(revoke.status == 200)
        #expect(try client.get("/latest/meta-data/placement/region") == "eu-central-1")
        #expect(client.tokenFetchCount == 2)
        let stats = try Self.stats(imds)
        #expect(stats["unauthorized"] == 1)
        #expect(stats["token_puts"] == 2)
    }

    @Test func imds_concurrentCallersNearExpiry_causeOneFetch() throws {
        let imds = try PeerScriptServer(script: "imds_server.py", arguments: ["--expires-in", "6"])
        let client = InstanceMetadataClient(
            environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.endpoint], transport: Self.transport())
        let cache = CachedCredentialProvider(
            InstanceMetadataCredentialProvider(client: client), refreshMargin: .seconds(3), logger: logger)
        _ = try cache.credentials()
        usleep(3_500_000)  // now under 3 s from expiry
        let results = ResultBox()
        DispatchQueue.concurrentPerform(iterations: 16) { _ in results.add(try? cache.credentials().accessKeyID) }
        // Callers that arrived while the refresh ran got the still-valid first credentials.
        #expect(results.values.allSatisfy { $0 == "ASIAIMDS000001" || $0 == "ASIAIMDS000002" })
        #expect(try cache.credentials().accessKeyID == "ASIAIMDS000002")
        #expect(try Self.stats(imds)["credential_fetches"] == 2)
        #expect(cache.refreshCount == 2)
    }

    @Test func imds_cachedCredentialsRefreshWhenNearExpiry() throws {
        let imds = try PeerScriptServer(script: "imds_server.py", arguments: ["--expires-in", "6"])
        let client = InstanceMetadataClient(
            environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.endpoint], transport: Self.transport())
        let cache = CachedCredentialProvider(
            InstanceMetadataCredentialProvider(client: client), refreshMargin: .seconds(3), logger: logger)
        #expect(try cache.credentials().accessKeyID == "ASIAIMDS000001")
        #expect(try cache.credentials().accessKeyID == "ASIAIMDS000001")
        #expect(try Self.stats(imds)["credential_fetches"] == 1)
        usleep(3_500_000)  // now under 3 s from expiry
        #expect(try cache.credentials().accessKeyID == "ASIAIMDS000002")
        #expect(try Self.stats(imds)["credential_fetches"] == 2)
    }

    @Test func imds_regionResolvedWhenEnvironmentAndProfileHaveNone() throws {
        let imds = try PeerScriptServer(script: "imds_server.py", arguments: ["--region", "ap-northeast-3"])
        let env = ["AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.endpoint]
        let client = InstanceMetadataClient(environment: env, transport: Self.transport())
        let resolved = try RegionResolver.resolve(environment: env, imds: client)
        #expect(resolved.region == "ap-northeast-3")
        #expect(resolved.source == .instanceMetadata)
        #expect(try Self.stats(imds)["region_gets"] == 1)
    }

    @Test func container_sendsAuthorizationFromTokenOrTokenFile() throws {
        let ecs = try PeerScriptServer(script: "ecs_credentials_server.py", arguments: ["--token", "Bearer s3cr3t"])
        var env = [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": ecs.endpoint + "/v2/credentials/task-1",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer s3cr3t",
        ]
        let first = try ContainerCredentialProvider(environment: env, transport: Self.transport()).credentials()
        #expect(first.accessKeyID == "ASIAECS000001")
        #expect(first.sessionToken == "ecs-token-1")
        #expect(first.expiration != nil)

        env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "Bearer wrong"
        do {
            _ = try ContainerCredentialProvider(environment: env, transport: Self.transport()).credentials()
            Issue.record("a wrong token must fail")
        } catch let error as AWSError {
            #expect(error.httpStatus == 401)
            #expect(!error.isCredentialsNotConfigured)
        }
        // The token file wins over the variable and is re-read on each fetch.
        let dir = try CredentialsTempDir()
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = try dir.write("token", "Bearer s3cr3t\n")
        #expect(
            try ContainerCredentialProvider(environment: env, transport: Self.transport()).credentials().accessKeyID
                == "ASIAECS000002")
        let stats = try Self.stats(ecs)
        #expect(stats["unauthorized"] == 1)
        #expect(stats["credential_fetches"] == 2)
    }

    @Test func defaultChain_prefersEnvironmentThenFilesThenContainerThenIMDS() throws {
        let imds = try PeerScriptServer(script: "imds_server.py")
        let ecs = try PeerScriptServer(script: "ecs_credentials_server.py", arguments: ["--token", "tok"])
        let dir = try CredentialsTempDir()
        try dir.write(
            ".aws/credentials", "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = file-secret\n")
        var env = [
            "HOME": dir.path,
            "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": ecs.endpoint + "/v2/credentials/x",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok",
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.endpoint,
        ]
        func resolve() throws -> Credentials {
            try CredentialChain.makeDefault(environment: env, transport: Self.transport(), logger: logger).credentials()
        }
        #expect(try resolve().source == "environment")
        env["AWS_ACCESS_KEY_ID"] = nil
        env["AWS_SECRET_ACCESS_KEY"] = nil
        #expect(try resolve().source == "profile:default")
        #expect(try Self.stats(ecs)["credential_fetches"] == 0)
        env["HOME"] = dir.path + "/empty"
        #expect(try resolve().source == "container")
        #expect(try Self.stats(imds)["token_puts"] == 0)
        env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = nil
        #expect(try resolve().source == "imds")
        #expect(try Self.stats(ecs)["credential_fetches"] == 1)
        #expect(try Self.stats(imds)["credential_fetches"] == 1)

        env["AWS_EC2_METADATA_DISABLED"] = "true"
        do {
            _ = try resolve()
            Issue.record("nothing configured must fail")
        } catch let error as AWSError {
            #expect(error.code == "NoCredentials")
            #expect(error.message.contains("imds"))
        }
    }
}
