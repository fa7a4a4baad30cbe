import Foundation

/// A value given on the command line, e.g. `--set consumer.batch_size=200` or `--log-level debug`.
public struct CommandLineOverride: Sendable, Equatable {
    /// The dotted key it sets.
    public var key: String
    public var value: String
    /// The flag as the operator wrote it, for messages.
    public var flag: String

    public init(key: String, value: String, flag: String) {
        self.key = key
        self.value = value
        self.flag = flag
    }
}

/// A validated configuration with the origin of every key (for `check-config` and reload logs).
public struct LoadedConfiguration: Sendable {
    public var configuration: AggregatorConfiguration
    /// Key → where its effective value came from (`.defaultValue` for unset keys).
    public var origins: [String: SettingOrigin]
    /// The config file path.
    public var path: String
}

/// Loads the configuration: the file, then `ZAEL_<SECTION>_<KEY>` environment variables, then
/// command-line overrides, each layer winning over the one before. Validation runs once over the
/// result and reports every problem in one `ConfigurationError`.
public struct ConfigurationLoader: Sendable {
    /// The environment consulted for `ZAEL_*` overrides.
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// Reads and loads the file at `path`.
    public func load(
        path: String, context: ConfigurationContext, overrides: [CommandLineOverride] = []
    ) throws(ConfigurationError) -> LoadedConfiguration {
        // open(2) directly, so the message carries the real reason (ENOENT, EACCES, EISDIR…).
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(validatingCString: strerror(errno)) ?? "errno \(errno)"
            throw ConfigurationError(problems: [
                ConfigurationProblem(
                    key: "", origin: nil, description: "\(path): cannot read the configuration file (\(reason))")
            ])
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        guard let data = try? handle.readToEnd() ?? Data() else {
            throw ConfigurationError(problems: [
                ConfigurationProblem(
                    key: "", origin: nil,
                    description: "\(path): cannot read the configuration file (is it a directory?)")
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(problems: [
                ConfigurationProblem(key: "", origin: nil, description: "\(path): the file is not valid UTF-8")
            ])
        }
        return try load(text: text, path: path, context: context, overrides: overrides)
    }

    /// Loads configuration `text` as if read from `path` (used in messages).
    public func load(
        text: String, path: String, context: ConfigurationContext, overrides: [CommandLineOverride] = []
    ) throws(ConfigurationError) -> LoadedConfiguration {
        var problems: [ConfigurationProblem] = []
        var resolver = SettingsResolver()
        let sections = AggregatorConfiguration.sections

        let (document, syntaxErrors) = TOMLParser.parse(text)
        for error in syntaxErrors {
            problems.append(
                ConfigurationProblem(
                    key: "", origin: .file(path: path, line: error.line),
                    description: "\(path): syntax error at line \(error.line): \(error.message)"))
        }
        for (table, line) in document.tables.sorted(by: { $0.value < $1.value }) where !sections.contains(table) {
            problems.append(
                ConfigurationProblem(
                    key: table, origin: .file(path: path, line: line),
                    description:
                        "\(path): unknown section [\(table)] at line \(line)\(Self.hint(table, among: sections))"
                ))
        }
        for entry in document.entries {
            let origin = SettingOrigin.file(path: path, line: entry.line)
            if entry.table.isEmpty {
                let candidates = AggregatorConfiguration.keys.filter { $0.hasSuffix(".\(entry.key)") }
                let hint = candidates.isEmpty ? "" : " (did you mean \(candidates[0])?)"
                problems.append(
                    ConfigurationProblem(
                        key: entry.key, origin: origin,
                        description: "\(path): key \(entry.key) at line \(entry.line) is outside any [section]\(hint)"))
            } else if sections.contains(entry.table) {
                resolver.set(entry.path, .toml(entry.value), origin: origin)
            }
        }
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) {
            guard let key = Self.key(forEnvironmentVariable: name) else { continue }
            resolver.set(key, .text(value), origin: .environment(name))
        }
        for override in overrides {
            let section = override.key.split(separator: ".").first.map(String.init) ?? ""
            guard sections.contains(section) else {
                problems.append(
                    ConfigurationProblem(
                        key: override.key, origin: .commandLine(override.flag),
                        description:
                            "command line \(override.flag): unknown key \(override.key)\(Self.hint(override.key, among: AggregatorConfiguration.keys))"
                    ))
                continue
            }
            resolver.set(override.key, .text(override.value), origin: .commandLine(override.flag))
        }

        let configuration = Self.build(&resolver, context: context, path: path)
        problems += resolver.problems
        problems += Self.unknownKeys(in: resolver, path: path)
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }

        var origins: [String: SettingOrigin] = [:]
        for key in AggregatorConfiguration.keys { origins[key] = resolver.origin(of: key) }
        return LoadedConfiguration(configuration: configuration, origins: origins, path: path)
    }

    /// `consumer.batch_size` for `ZAEL_CONSUMER_BATCH_SIZE`; `nil` for variables outside the
    /// configuration's sections (such as `ZAEL_VENV`).
    public static func key(forEnvironmentVariable name: String) -> String? {
        guard name.hasPrefix("ZAEL_") else { return nil }
        let rest = name.dropFirst(5)
        for section in AggregatorConfiguration.sections {
            let prefix = section.uppercased() + "_"
            if rest.hasPrefix(prefix), rest.count > prefix.count {
                return "\(section).\(rest.dropFirst(prefix.count).lowercased())"
            }
        }
        return nil
    }

    /// The environment variable for `key`: `ZAEL_CONSUMER_BATCH_SIZE` for `consumer.batch_size`.
    public static func environmentVariable(for key: String) -> String {
        "ZAEL_" + key.replacingOccurrences(of: ".", with: "_").uppercased()
    }

    private static func unknownKeys(in resolver: SettingsResolver, path: String) -> [ConfigurationProblem] {
        let unknown = resolver.values.filter { !resolver.requested.contains($0.key) }
        return unknown.sorted { $0.key < $1.key }.map { key, setting in
            let section = String(key.split(separator: ".").first ?? "")
            let name = String(key.dropFirst(section.count + 1))
            let siblings = AggregatorConfiguration.keys.filter { $0.hasPrefix(section + ".") }
                .map { String($0.dropFirst(section.count + 1)) }
            let best = suggestion(name, among: siblings)
            let hint = best.map { " (did you mean \($0)?)" } ?? ""
            let text: String
            switch setting.origin {
            case .file(_, let line): text = "\(path): unknown key \(key) at line \(line)\(hint)"
            case .environment(let variable):
                let envHint = best.map { " (did you mean \(environmentVariable(for: "\(section).\($0)"))?)" } ?? ""
                text = "environment variable \(variable): unknown key \(key)\(envHint)"
            case .commandLine(let flag): text = "command line \(flag): unknown key \(key)\(hint)"
            case .defaultValue: text = "unknown key \(key)\(hint)"
            }
            return ConfigurationProblem(key: key, origin: setting.origin, description: text)
        }
    }

    /// ` (did you mean x?)` for the closest candidate, else empty.
    static func hint(_ word: String, among candidates: [String]) -> String {
        suggestion(word, among: candidates).map { " (did you mean \($0)?)" } ?? ""
    }

    /// The candidate closest to `word`, if within a small edit distance.
    static func suggestion(_ word: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(word, $0)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= max(2, word.count / 3) else { return nil }
        return best
    }

    /// Levenshtein distance.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
