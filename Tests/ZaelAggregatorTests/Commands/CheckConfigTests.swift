import Foundation
import Observability
import Testing

@testable import ZaelAggregator

@Suite struct CheckConfigTests {
    private func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "/zael-check-\(UUID().uuidString).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func validFile_printsEffectiveValuesWithOrigins_andMasksPasswords() throws {
        let path = try write(minimal + "[aws]\nendpoint = \"http://bob:hunter2@127.0.0.1:8000/\"\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = CheckConfigCommand.check(
            path: path, environment: ["ZAEL_CONSUMER_BATCH_SIZE": "250"],
            overrides: [CommandLineOverride(key: "logging.level", value: "debug", flag: "--log-level")])
        #expect(result.status == 0)
        #expect(result.errors == "")
        #expect(!result.output.contains("hunter2"))
        #expect(result.output.contains(#"endpoint = "http://****@127.0.0.1:8000/"  # \#(path) line 4"#))
        #expect(result.output.contains(#"name = "rate-limits"  # \#(path) line 2"#))
        #expect(result.output.contains("batch_size = 250  # environment ZAEL_CONSUMER_BATCH_SIZE"))
        #expect(result.output.contains(#"level = "debug"  # command line --log-level"#))
        #expect(result.output.contains("parallelization_factor = 1  # default"))
        #expect(result.output.contains("# region is not set"))
        // The printout is itself a valid configuration with the same values.
        let reparsed = TOMLParser.parse(result.output)
        #expect(reparsed.errors == [])
        #expect(reparsed.document.entry("consumer.batch_size")?.value == .integer(250))
    }

    @Test func invalidFile_exits78WithOneLinePerProblem() throws {
        let path = try write("[consumer]\nbatch_size = 0\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = CheckConfigCommand.check(path: path, environment: [:], overrides: [])
        #expect(result.status == 78)
        #expect(result.output == "")
        let lines = result.errors.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.contains("\(path): consumer.batch_size at line 2: 0 is out of range; allowed: 1 to 10000"))
        #expect(lines.last == "\(path): configuration invalid (2 problems)")
    }

    @Test func missingFile_isAConfigurationError() {
        let result = CheckConfigCommand.check(path: "/nonexistent/zael.toml", environment: [:], overrides: [])
        #expect(result.status == 78)
        #expect(
            result.errors.hasPrefix(
                "/nonexistent/zael.toml: cannot read the configuration file (No such file or directory)"))
    }

    @Test func maskingLeavesUrlsWithoutPasswordsAlone() {
        #expect(
            SecretMasking.mask("https://dynamodb.eu-west-1.amazonaws.com") == "https://dynamodb.eu-west-1.amazonaws.com"
        )
        #expect(SecretMasking.mask("http://user:pw@h/p@x") == "http://****@h/p@x")
        #expect(SecretMasking.mask("http://token@h") == "http://****@h")
    }

    @Test func settingsAreMaskedAsTheStatusSocketMasksThem() {
        let values: [(String, TOMLValue)] = [
            ("aws.endpoint", .string("http://user:pw@h/p")), ("aws.session_token", .string("abc")),
            ("archival.prefix", .string("audit/")), ("x.secret_list", .stringArray(["a", ""])),
            ("consumer.batch_size", .integer(100)),
        ]
        for (key, value) in values {
            let masked = SecretMasking.mask(key: key, value)
            switch (value, masked) {
            case (.string(let raw), .string(let out)):
                #expect(out == ConfigMasking.masked(key: key, value: raw), "\(key)")
            case (.stringArray(let raw), .stringArray(let out)):
                #expect(out == raw.map { ConfigMasking.masked(key: key, value: $0) }, "\(key)")
            default:
                #expect(masked == value, "\(key)")
            }
        }
        #expect(SecretMasking.mask(key: "aws.session_token", .string("abc")) == .string("****"))
    }
}
