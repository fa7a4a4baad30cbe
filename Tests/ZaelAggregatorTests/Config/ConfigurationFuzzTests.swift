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
