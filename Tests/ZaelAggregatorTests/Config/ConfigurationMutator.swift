import TestPeers

@testable import ZaelAggregator

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
