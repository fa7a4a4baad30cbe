import Foundation
import TestPeers
import Testing

@testable import ZaelAggregator

/// config/zael-aggregator.toml.example is what operators copy: it must load, mention every key,
/// and state the defaults the code really has.
@Suite struct ExampleConfigurationTests {
    let text: String
    let path = Peers.repoRoot.appendingPathComponent("config/zael-aggregator.toml.example").path

    init() throws {
        text = try String(contentsOfFile: path, encoding: .utf8)
    }

    @Test func example_isValid() throws {
        _ = try ConfigurationLoader(environment: [:]).load(text: text, path: path, context: testContext)
    }

    @Test func example_mentionsEveryKey() {
        var section = ""
        var mentioned: Set<String> = []
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") { section = String(line.dropFirst().dropLast()) }
            // A key is mentioned when set, or shown commented out as `# key = …`.
            let body = line.hasPrefix("# ") ? String(line.dropFirst(2)) : line
            if let equals = body.range(of: " = "), !section.isEmpty {
                let key = String(body[..<equals.lowerBound])
                if key.allSatisfy({ $0.isLetter || $0 == "_" }) { mentioned.insert("\(section).\(key)") }
            }
        }
        #expect(Set(AggregatorConfiguration.keys).subtracting(mentioned) == [])
        #expect(mentioned.subtracting(AggregatorConfiguration.keys) == [])
    }

    @Test func example_setsOnlyTheDefaults_exceptTheTableName() throws {
        let example = try ConfigurationLoader(environment: [:]).load(text: text, path: path, context: testContext)
        let defaults = try load("[table]\nname = \"rate-limits\"\n").configuration
        #expect(AggregatorConfiguration.diff(defaults, example.configuration).isEmpty)
        let setInFile = example.origins.filter { if case .file = $0.value { true } else { false } }.count
        #expect(setInFile > 20)  // the example really spells the values out, not just comments
    }

    /// The comment above each key says "Reloadable." exactly for the keys declared reloadable.
    @Test func example_marksExactlyTheReloadableKeys() {
        var section = ""
        var comment = ""
        var marked: [String: Bool] = [:]
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                section = String(line.dropFirst().dropLast())
                comment = ""
                continue
            }
            let body = line.hasPrefix("# ") ? String(line.dropFirst(2)) : line
            if let equals = body.range(of: " = "), body[..<equals.lowerBound].allSatisfy({ $0.isLetter || $0 == "_" }) {
                let key = "\(section).\(body[..<equals.lowerBound])"
                if marked[key] == nil { marked[key] = comment.contains("Reloadable.") }
                comment = ""
            } else {
                comment += body + "\n"
            }
        }
        for key in ConfigurationKeys.all {
            #expect(marked[key.name] == key.reloadable, "\(key.name)")
        }
    }
}
