import Foundation
import Testing

@testable import AWSCore

/// A temporary directory holding shared config files; removed on deinit.
final class CredentialsTempDir: @unchecked Sendable {
    // Immutable after init.
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "zael-creds-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
}

@Suite struct CredentialsProviderTests {
    @Test func environment_readsKeysAndToken() throws {
        let env = [
            "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_SESSION_TOKEN": "envtoken",
        ]
        let credentials = try EnvironmentCredentialProvider(environment: env).credentials()
        #expect(credentials.accessKeyID == "AKIAENV")
        #expect(credentials.secretAccessKey == "envsecret")
        #expect(credentials.sessionToken == "envtoken")
        #expect(credentials.source == "environment")
        let legacy = try EnvironmentCredentialProvider(
            environment: ["AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "S", "AWS_SECURITY_TOKEN": "old"]
        ).credentials()
        #expect(legacy.sessionToken == "old")
    }

    @Test func environment_unsetIsNotConfiguredAndPartialIsAnError() {
        #expect(throws: AWSError.self) { try EnvironmentCredentialProvider(environment: [:]).credentials() }
        do {
            _ = try EnvironmentCredentialProvider(environment: ["AWS_ACCESS_KEY_ID": ""]).credentials()
        } catch let error as AWSError {
            #expect(error.isCredentialsNotConfigured)
        } catch { Issue.record("unexpected \(error)") }
        do {
            _ = try EnvironmentCredentialProvider(environment: ["AWS_ACCESS_KEY_ID": "AKIA"]).credentials()
            Issue.record("a key without a secret must fail")
        } catch let error as AWSError {
            #expect(error.code == "PartialCredentials")
            #expect(!error.isCredentialsNotConfigured)
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func profileFile_parsesSectionsCommentsSeparatorsAndNestedBlocks() {
        let file = ProfileFile(
            parsing: """
                # comment
                [default]
                aws_access_key_id = AKIADEF
                AWS_Secret_Access_Key=defsecret
                ; another comment
                [ profile  prod ]
                region: eu-west-1
                s3 =
                  max_concurrent_requests = 10
                garbage line without separator
                [broken
                key = ignored
                =novalue
                """)
        #expect(file.credentialsProfile("default")?["aws_access_key_id"] == "AKIADEF")
        #expect(file.credentialsProfile("default")?["aws_secret_access_key"] == "defsecret")
        #expect(file.configProfile("prod")?["region"] == "eu-west-1")
        #expect(file.configProfile("prod")?["s3"] == "max_concurrent_requests = 10")
        #expect(file.configProfile("default")?["aws_access_key_id"] == "AKIADEF")
        #expect(file.sections.count == 2)
        // Binary junk never crashes.
        _ = ProfileFile(
            parsing: String(decoding: (0..<2048).map { UInt8(truncatingIfNeeded: $0 &* 31) }, as: UTF8.self))
    }

    @Test func profile_selectsByAWSProfileFromBothFilesWithCredentialsFileFirst() throws {
        let dir = try CredentialsTempDir()
        let credentialsPath = try dir.write(
            "creds",
            """
            [default]
            aws_access_key_id = AKIADEFAULT
            aws_secret_access_key = default-secret
            [prod]
            aws_access_key_id = AKIAPRODCREDS
            aws_secret_access_key = prod-secret
            aws_session_token = prod-token
            """)
        let configPath = try dir.write(
            "config",
            """
            [profile prod]
            aws_access_key_id = AKIAPRODCONFIG
            aws_secret_access_key = config-secret
            [profile staging]
            aws_access_key_id = AKIASTAGING
            aws_secret_access_key = staging-secret
            region = ap-south-1
            [staging]
            aws_access_key_id = AKIAWRONGSECTION
            aws_secret_access_key = wrong
            """)
        var env = ["AWS_SHARED_CREDENTIALS_FILE": credentialsPath, "AWS_CONFIG_FILE": configPath]
        #expect(try ProfileCredentialProvider(environment: env).credentials().accessKeyID == "AKIADEFAULT")
        env["AWS_PROFILE"] = "prod"
        let prod = try ProfileCredentialProvider(environment: env).credentials()
        #expect(prod.accessKeyID == "AKIAPRODCREDS")
        #expect(prod.sessionToken == "prod-token")
        #expect(prod.source == "profile:prod")
        // In the config file only `[profile staging]` names the profile, not `[staging]`.
        env["AWS_PROFILE"] = "staging"
        #expect(try ProfileCredentialProvider(environment: env).credentials().accessKeyID == "AKIASTAGING")
        do {
            env["AWS_PROFILE"] = "missing"
            _ = try ProfileCredentialProvider(environment: env).credentials()
            Issue.record("an explicitly named missing profile must fail")
        } catch let error as AWSError {
            #expect(error.code == "ProfileNotFound")
        }
    }

    @Test func profile_defaultPathsComeFromHomeAndRoleProfilesAreNotConfigured() throws {
        let dir = try CredentialsTempDir()
        try dir.write(".aws/credentials", "[default]\naws_access_key_id=AKIAHOME\naws_secret_access_key=s\n")
        try dir.write(".aws/config", "[profile assumer]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = default\n")
        #expect(try ProfileCredentialProvider(environment: ["HOME": dir.path]).credentials().accessKeyID == "AKIAHOME")
        do {
            _ = try ProfileCredentialProvider(environment: ["HOME": dir.path, "AWS_PROFILE": "assumer"]).credentials()
            Issue.record("role profiles are not supported")
        } catch let error as AWSError {
            // Named explicitly, an unsupported profile stops the chain instead of falling through.
            #expect(!error.isCredentialsNotConfigured)
            #expect(!error.isRetryable)
            #expect(error.code == "UnsupportedProfile")
            #expect(error.message.contains("role_arn"))
        }
        let chain = CredentialChain([
            ProfileCredentialProvider(environment: ["HOME": dir.path], profile: "assumer"),
            StaticCredentialProvider(Credentials(accessKeyID: "AKIAFALLBACK", secretAccessKey: "s", source: "static")),
        ])
        #expect(throws: AWSError.self) { try chain.credentials() }
        do {
            _ = try ProfileCredentialProvider(environment: ["HOME": dir.path + "/nowhere"]).credentials()
        } catch let error as AWSError {
            #expect(error.isCredentialsNotConfigured)
        }
    }

    @Test func container_endpointRulesAndTokenChecks() throws {
        #expect(
            try ContainerCredentialProvider.endpoint(environment: [
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc"
            ])
                == "http://169.254.170.2/v2/credentials/abc")
        #expect(
            try ContainerCredentialProvider.endpoint(environment: [
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/x",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/y",
            ]) == "http://169.254.170.2/v2/x")
        for allowed in [
            "http://127.0.0.1:9/a", "http://localhost/a", "http://169.254.170.23/v1", "http://[::1]:8080/",
            "https://creds.example.com/x",
        ] {
            #expect(
                try ContainerCredentialProvider.endpoint(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": allowed])
                    == allowed)
        }
        for refused in ["http://creds.example.com/x", "http://10.0.0.1/x", "ftp://127.0.0.1/x"] {
            #expect(throws: AWSError.self) {
                try ContainerCredentialProvider.endpoint(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": refused])
            }
        }
        #expect(try ContainerCredentialProvider.endpoint(environment: [:]) == nil)
    }

    @Test func credentialsDocument_rejectsMissingFieldsWithoutEchoingSecrets() throws {
        let good =
            #"{"AccessKeyId":"ASIA1","SecretAccessKey":"topsecret","Token":"tok","Expiration":"2030-01-02T03:04:05Z"}"#
        let parsed = try Credentials(document: Array(good.utf8), source: "imds")
        #expect(parsed.expiration == Date(timeIntervalSince1970: 1_893_553_445))
        let fractional = #"{"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"2030-01-02T03:04:05.123Z"}"#
        #expect(try Credentials(document: Array(fractional.utf8), source: "x").expiration != nil)
        for bad in [
            #"{"AccessKeyId":"A"}"#, "not json", #"{"Code":"Failure","AccessKeyId":"A","SecretAccessKey":"topsecret"}"#,
            #"{"AccessKeyId":"A","SecretAccessKey":"topsecret","Expiration":"tomorrow"}"#,
        ] {
            do {
                _ = try Credentials(document: Array(bad.utf8), source: "imds")
                Issue.record("accepted \(bad)")
            } catch {
                #expect(!"\(error)".contains("topsecret"))
            }
        }
        #expect(!parsed.description.contains("topsecret") && !parsed.description.contains("tok,"))
    }
}
