import StreamConsumer

/// What a SIGHUP does with the configuration loaded again: decided without side effects, so
/// tests can drive every decision in-process (`Daemon.reload` carries it out).
///
/// A refused reload keeps the configuration in force untouched and is logged as one line; an
/// accepted one puts the reloadable keys of the new file in force and keeps the rest until a
/// restart.
enum ReloadPlan {
    /// The new configuration is unusable; `message` is the one log line that says why.
    case refused(message: String)
    /// Nothing changed.
    case unchanged
    /// `next` goes into force (the reloadable keys of the new file, the rest as before); `diff`
    /// names what changed, including the keys that wait for a restart.
    case apply(next: AggregatorConfiguration, diff: ConfigurationDiff)

    /// The longest refusal line logged; a file full of huge values must not flood the journal.
    static let maxMessageLength = 2000

    /// Decides a reload from the configuration in force and the result of loading it again.
    static func make(
        current: AggregatorConfiguration, load: () throws(ConfigurationError) -> LoadedConfiguration
    ) -> ReloadPlan {
        let loaded: LoadedConfiguration
        do {
            loaded = try load()
        } catch {
            return .refused(message: refusal(error.problems.map(\.description)))
        }
        let diff = AggregatorConfiguration.diff(current, loaded.configuration)
        if diff.isEmpty { return .unchanged }
        let next = current.applyingReloadable(from: loaded.configuration)
        // The loader checks each key; the consumer also checks how they combine.
        let problems = next.consumer.tunables.problems()
        guard problems.isEmpty else { return .refused(message: refusal(problems)) }
        return .apply(next: next, diff: diff)
    }

    /// One line naming every problem: line breaks escaped, at most ``maxMessageLength``
    /// characters (Unicode scalars).
    static func refusal(_ problems: [String]) -> String {
        let count = problems.count
        let text =
            "reload refused (\(count) problem\(count == 1 ? "" : "s")), keeping the configuration in force: "
            + problems.joined(separator: "; ")
        var line = String.UnicodeScalarView()
        var length = 0
        for scalar in text.unicodeScalars {
            let escaped: String.UnicodeScalarView
            switch scalar {
            case "\n": escaped = "\\n".unicodeScalars
            case "\r": escaped = "\\r".unicodeScalars
            case "\u{85}", "\u{2028}", "\u{2029}": escaped = "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars
            default: escaped = String.UnicodeScalarView([scalar])
            }
            if length + escaped.count > maxMessageLength - 1 {
                line.append("…")
                break
            }
            line.append(contentsOf: escaped)
            length += escaped.count
        }
        return String(line)
    }
}
