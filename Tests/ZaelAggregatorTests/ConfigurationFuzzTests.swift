import Foundation
import TestPeers
import Testing

@testable import ZaelAggregator

/// Mutated configuration files and environment overrides (huge and tiny numbers, NaN and
/// infinities, wrong types, unicode, very long strings, broken lines): every one loads or is
/// refused with a message, never a trap. In-process over the loader, then a sample through the
/// real binary's `check-config` (exit status 0 or 78, never a signal).
@Suite struct ConfigurationFuzzTests {
    @Test func tenThousandMutatedConfigurations_loadOrAreRefusedWithAMessage() throws {
        var random = SeededRandom.announced("ConfigurationFuzzTests.inProcess")
        let base = try exampleText()
        var loaded = 0
        var refused = 0
        for round in 0..<10_000 {
            let (text, environment, overrides) = ConfigurationMutator.mutate(base, using: &random)
            do {
                let result = try load(text, environment: environment, overrides: overrides)
                loaded += 1
                // What a loaded configuration goes on to: check-config, the reload diff, the engine.
                _ = EffectiveConfigurationPrinter.render(result)
                _ = AggregatorConfiguration.diff(result.configuration, result.configuration)
                _ = result.configuration.consumerConfiguration(streamArn: "arn").problems()
                _ = result.configuration.aggregationSettings.problems()
            } catch {
                refused += 1
                #expect(!error.problems.isEmpty, "round \(round): refused without a problem")
                for problem in error.problems {
                    #expect(!problem.description.isEmpty, "round \(round): an empty message")
                }
            }
        }
        print("ConfigurationFuzzTests.inProcess: \(loaded) loaded, \(refused) refused")
        // The mutations reach both outcomes, or the test would exercise only one path.
        #expect(loaded > 100)
        #expect(refused > 1000)
    }

    @Test func mutatedConfigurations_throughCheckConfig_exit0or78_neverASignal() throws {
        var random = SeededRandom.announced("ConfigurationFuzzTests.binary")
        let base = try exampleText()
        let directory = NSTemporaryDirectory() + "zael-fuzz-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var statuses: [Int32: Int] = [:]
        for round in 0..<60 {
            let (text, environment, overrides) = ConfigurationMutator.mutate(base, using: &random)
            let path = "\(directory)/\(round).toml"
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let process = Process()
            process.executableURL = ExecutableTests.executable
            process.arguments =
                ["check-config", path]
                + overrides.filter { !$0.value.contains("\0") }.flatMap { ["--set", "\($0.key)=\($0.value)"] }
            // Values with NUL cannot pass through arguments or the environment; the file carries those.
            process.environment = ["PATH": "/usr/bin:/bin"].merging(
                environment.filter { !$0.value.contains("\0") }
            ) { _, new in new }
            let err = Pipe()
            process.standardOutput = FileHandle.nullDevice
            process.standardError = err
            try process.run()
            let stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationReason == .exit, "round \(round): killed by signal \(process.terminationStatus)")
            #expect([0, 78].contains(process.terminationStatus), "round \(round): exit \(process.terminationStatus)")
            if process.terminationStatus == 78 {
                #expect(!stderr.isEmpty, "round \(round): refused without a message")
            }
            statuses[process.terminationStatus, default: 0] += 1
        }
        print("ConfigurationFuzzTests.binary: exit statuses \(statuses.sorted { $0.key < $1.key })")
    }

    private func exampleText() throws -> String {
        try String(
            contentsOf: Peers.repoRoot.appendingPathComponent("config/zael-aggregator.toml.example"), encoding: .utf8)
    }
}

/// Makes one mutated configuration: the example file with some lines changed, plus random
/// `ZAEL_*` variables and `--set` overrides.
enum ConfigurationMutator {
    /// Values that have broken parsers before, as TOML and as environment text.
    static let nasty = [
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "99999999999999999999999", "1e19", "-1e19", "1e308", "1e309", "-1e309", "1.7976931348623157e308",
        "4.9e-324", "1e-320", "nan", "+nan", "-nan", "inf", "+inf", "-inf", "NaN", "Infinity", "0.0", "-0.0",
        "0", "-1", "-2", "1_000", "0x10", "0o7", "0b1", "07", "1e", "1.", ".5", "1__0", "", "\"\"", "\" \"",
        "true", "false", "True", "[]", "[\"\"]", "[\"hourly\", \"hourly\"]", "[1, 2]", "[\"a\",", "\"unterminated",
        "\"\\u0000\"", "\"\\uD800\"", "\"\\U0010FFFF\"", "\"ünïcødé ☃ 😀\"", "\"\u{202E}rtl\"", "'literal'",
        "\"http://user:secret@127.0.0.1:1\"", "\"[::1]:0\"", "\"[::1]:65536\"", "\":80\"", "{}", "=", "# c",
        "3600.5", "0.1", "0.09999999999999999", "10.000000000000002", "300.0000001", "-0.1", "1e-400",
    ]

    static func mutate(
        _ base: String, using random: inout SeededRandom
    ) -> (text: String, environment: [String: String], overrides: [CommandLineOverride]) {
        var lines = base.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let keys = AggregatorConfiguration.keys
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let index = Int.random(in: 0..<lines.count, using: &random)
            switch Int.random(in: 0..<10, using: &random) {
            case 0...4:
                // A key (set or commented out) with a nasty value.
                let key = keys.randomElement(using: &random)!
                let short = key.split(separator: ".")[1]
                let value = value(using: &random)
                if let line = lines.firstIndex(where: { $0.hasPrefix("\(short) =") || $0.hasPrefix("# \(short) =") }) {
                    lines[line] = "\(short) = \(value)"
                } else {
                    lines.insert("\(short) = \(value)", at: index)
                }
            case 5: lines.remove(at: index)
            case 6: lines.insert(lines[index], at: index)
            case 7: lines[index] = String(lines[index].shuffled(using: &random))
            case 8:
                let scalars = (0..<Int.random(in: 1...8, using: &random)).compactMap { _ in
                    Unicode.Scalar(UInt32.random(in: 0...0x1_0FFF, using: &random))
                }
                lines[index] += String(String.UnicodeScalarView(scalars))
            default: lines[index] = String(lines[index].prefix(Int.random(in: 0...20, using: &random)))
            }
        }
        var environment: [String: String] = [:]
        var overrides: [CommandLineOverride] = []
        for _ in 0..<Int.random(in: 0...3, using: &random) {
            let key = Bool.random(using: &random) ? keys.randomElement(using: &random)! : "consumer.idle_poll_sekonds"
            let text = unquoted(value(using: &random))
            if Bool.random(using: &random) {
                environment[ConfigurationLoader.environmentVariable(for: key)] = text
            } else {
                overrides.append(CommandLineOverride(key: key, value: text, flag: "--set \(key)=\(text)"))
            }
        }
        return (lines.joined(separator: "\n"), environment, overrides)
    }

    private static func value(using random: inout SeededRandom) -> String {
        switch Int.random(in: 0..<8, using: &random) {
        case 0: return "\"" + String(repeating: "x", count: Int.random(in: 100...20_000, using: &random)) + "\""
        case 1: return String(repeating: "9", count: Int.random(in: 18...400, using: &random))
        case 2: return String(Double(bitPattern: random.next()))
        default: return nasty.randomElement(using: &random)!
        }
    }

    /// Environment values and flags are text: drop TOML quotes, as an operator would.
    private static func unquoted(_ value: String) -> String {
        value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"")
            ? String(value.dropFirst().dropLast()) : value
    }
}
