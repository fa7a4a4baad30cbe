import Foundation
import TestPeers
import Testing

@testable import ZaelAggregator

/// SIGHUP's decision (`ReloadPlan`) over 10,000 mutated configurations, in-process: the file is
/// rewritten and loaded through `ConfigurationSource`, as the daemon does, with random
/// environment variables and `--set` overrides. A refused reload is one line and keeps the
/// configuration in force; an accepted one moves only reloadable keys. The real process gets a
/// few hundred of these through SIGHUP in Tests/Integration/test_reload_fuzz.py.
@Suite struct ReloadFuzzTests {
    @Test func tenThousandMutatedReloads_refusedOnesAreOneLine_acceptedOnesMoveOnlyReloadableKeys() throws {
        var random = SeededRandom.announced("ReloadFuzzTests.inProcess")
        let base = try String(
            contentsOf: Peers.repoRoot.appendingPathComponent("config/zael-aggregator.toml.example"), encoding: .utf8)
        let directory = NSTemporaryDirectory() + "zael-reload-fuzz-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/prod.toml"
        func source(environment: [String: String] = [:], overrides: [CommandLineOverride] = []) -> ConfigurationSource {
            ConfigurationSource(
                path: path, loader: ConfigurationLoader(environment: environment), context: testContext,
                overrides: overrides)
        }

        try Data(base.utf8).write(to: URL(fileURLWithPath: path))
        let original = try source().load().configuration
        var current = original
        var counts = (refused: 0, unchanged: 0, applied: 0)
        for round in 0..<10_000 {
            let (text, environment, overrides) = ConfigurationMutator.mutate(base, using: &random)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let reloading = source(environment: environment, overrides: overrides)
            switch ReloadPlan.make(current: current, load: { () throws(ConfigurationError) in try reloading.load() }) {
            case .refused(let message):
                counts.refused += 1
                #expect(message.hasPrefix("reload refused ("), "round \(round)")
                #expect(!message.contains("\n") && !message.contains("\r"), "round \(round): \(message.prefix(200))")
                #expect(message.unicodeScalars.count <= ReloadPlan.maxMessageLength, "round \(round)")
            case .unchanged:
                counts.unchanged += 1
            case .apply(let next, let diff):
                counts.applied += 1
                #expect(!diff.isEmpty, "round \(round)")
                #expect(next.consumer.tunables.problems().isEmpty, "round \(round)")
                // Restart-required keys keep the values the process started with.
                let moved = AggregatorConfiguration.diff(original, next)
                #expect(moved.restartRequired.isEmpty, "round \(round): \(moved.restartRequired)")
                let step = AggregatorConfiguration.diff(current, next)
                #expect(Set(step.reloadable) == Set(diff.reloadable), "round \(round)")
                current = next
            }
        }
        print("ReloadFuzzTests.inProcess: \(counts)")
        #expect(counts.refused > 1000)
        #expect(counts.applied > 20)

        // The original file is accepted again and puts every reloadable value back.
        try Data(base.utf8).write(to: URL(fileURLWithPath: path))
        let clean = source()
        switch ReloadPlan.make(current: current, load: { () throws(ConfigurationError) in try clean.load() }) {
        case .refused(let message): Issue.record("the original configuration was refused: \(message)")
        case .unchanged: #expect(AggregatorConfiguration.diff(original, current).isEmpty)
        case .apply(let next, _): #expect(AggregatorConfiguration.diff(original, next).isEmpty)
        }
    }

    @Test func refusal_isOneBoundedLine_namingTheProblems() {
        let line = ReloadPlan.refusal([
            "a.toml: consumer.batch_size at line 3: must be 1–10000", "two\nlines\r\u{2028}",
        ])
        #expect(
            line
                == "reload refused (2 problems), keeping the configuration in force: "
                + "a.toml: consumer.batch_size at line 3: must be 1–10000; two\\nlines\\r\\u{2028}")
        let long = ReloadPlan.refusal([String(repeating: "é", count: 50_000)])
        #expect(long.unicodeScalars.count == ReloadPlan.maxMessageLength)
        #expect(long.hasSuffix("é…"))
        #expect(ReloadPlan.refusal(["x"]).hasPrefix("reload refused (1 problem), "))
    }

    @Test func consumerLevelProblems_refuseTheReload() throws {
        let current = try load(minimal).configuration
        // Past the loader's checks (built directly), so only the consumer's own check can refuse it.
        var bad = current
        bad.consumer.batchSize = 0
        let loaded = LoadedConfiguration(configuration: bad, origins: [:], path: "prod.toml")
        guard
            case .refused(let message) = ReloadPlan.make(
                current: current, load: { () throws(ConfigurationError) in loaded })
        else {
            Issue.record("a batch size of 0 was not refused")
            return
        }
        #expect(
            message
                == "reload refused (1 problem), keeping the configuration in force: batchSize must be 1…10000, got 0")
        var good = current
        good.consumer.batchSize = 7
        let fine = LoadedConfiguration(configuration: good, origins: [:], path: "prod.toml")
        guard
            case .apply(let next, let diff) = ReloadPlan.make(
                current: current, load: { () throws(ConfigurationError) in fine })
        else {
            Issue.record("a batch size of 7 was not applied")
            return
        }
        #expect(next.consumer.batchSize == 7 && diff.reloadable == ["consumer.batch_size"])
        #expect(
            ReloadPlan.make(current: current, load: { () throws(ConfigurationError) in try load(minimal) }).isUnchanged)
    }
}

extension ReloadPlan {
    var isUnchanged: Bool {
        if case .unchanged = self { return true }
        return false
    }
}
