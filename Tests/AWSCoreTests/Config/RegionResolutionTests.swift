import Foundation
import Testing

@testable import AWSCore

@Suite struct RegionResolutionTests {
    @Test func region_environmentThenProfileInOrder() throws {
        let dir = try CredentialsTempDir()
        let config = try dir.write("config", "[default]\nregion = us-west-2\n[profile eu]\nregion = eu-north-1\n")
        var env = ["AWS_CONFIG_FILE": config, "AWS_REGION": "ca-central-1", "AWS_DEFAULT_REGION": "sa-east-1"]
        #expect(try RegionResolver.resolve(environment: env, imds: nil) == ("ca-central-1", .environment))
        env["AWS_REGION"] = ""
        #expect(try RegionResolver.resolve(environment: env, imds: nil) == ("sa-east-1", .environment))
        env["AWS_DEFAULT_REGION"] = nil
        #expect(try RegionResolver.resolve(environment: env, imds: nil) == ("us-west-2", .profile))
        env["AWS_PROFILE"] = "eu"
        #expect(try RegionResolver.resolve(environment: env, imds: nil) == ("eu-north-1", .profile))
    }

    @Test func region_missingOrInvalidIsAnError() {
        do {
            _ = try RegionResolver.resolve(environment: [:], imds: nil)
            Issue.record("no region must fail")
        } catch let error as AWSError {
            #expect(error.code == "NoRegion")
        } catch { Issue.record("unexpected \(error)") }
        do {
            _ = try RegionResolver.resolve(environment: ["AWS_REGION": "evil.com/x"], imds: nil)
            Issue.record("a host-like region must be refused")
        } catch let error as AWSError {
            #expect(error.code == "InvalidRegion")
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func endpoints_overrideThenServiceVariableThenGlobalThenRegional() {
        let resolver = EndpointResolver()
        #expect(
            resolver.dynamoDBEndpoint(region: "eu-west-1", environment: [:])
                == "https://dynamodb.eu-west-1.amazonaws.com")
        #expect(
            resolver.streamsEndpoint(region: "eu-west-1", environment: [:])
                == "https://streams.dynamodb.eu-west-1.amazonaws.com")
        #expect(
            resolver.dynamoDBEndpoint(region: "cn-north-1", environment: [:])
                == "https://dynamodb.cn-north-1.amazonaws.com.cn")

        var env = ["AWS_ENDPOINT_URL": "http://127.0.0.1:5000"]
        #expect(resolver.dynamoDBEndpoint(region: "eu-west-1", environment: env) == "http://127.0.0.1:5000")
        #expect(resolver.streamsEndpoint(region: "eu-west-1", environment: env) == "http://127.0.0.1:5000")
        env["AWS_ENDPOINT_URL_DYNAMODB"] = "http://127.0.0.1:5001"
        env["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = "http://127.0.0.1:5002"
        #expect(resolver.dynamoDBEndpoint(region: "eu-west-1", environment: env) == "http://127.0.0.1:5001")
        #expect(resolver.streamsEndpoint(region: "eu-west-1", environment: env) == "http://127.0.0.1:5002")

        let configured = EndpointResolver(
            dynamoDBOverride: "http://127.0.0.1:6001", streamsOverride: "http://127.0.0.1:6002")
        #expect(configured.dynamoDBEndpoint(region: "eu-west-1", environment: env) == "http://127.0.0.1:6001")
        #expect(configured.streamsEndpoint(region: "eu-west-1", environment: env) == "http://127.0.0.1:6002")

        env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true"
        #expect(
            resolver.dynamoDBEndpoint(region: "eu-west-1", environment: env)
                == "https://dynamodb.eu-west-1.amazonaws.com")
    }
}
