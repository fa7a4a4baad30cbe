/// One parsed AWS shared file (`~/.aws/credentials` or `~/.aws/config`): INI sections of keys.
///
/// Parsed as botocore does with `configparser`: `[section]` headers, `key = value` or
/// `key: value` pairs with lowercased keys, full-line `#` and `;` comments, and indented lines
/// continuing the previous value (nested settings such as `s3 =` blocks are kept as raw text).
/// Lines that fit none of these are ignored, so a damaged file never crashes the daemon.
public struct ProfileFile: Sendable, Equatable {
    /// Sections by their name as written between the brackets (trimmed), e.g. `default`,
    /// `profile prod`.
    public var sections: [String: [String: String]]

    public init(sections: [String: [String: String]] = [:]) {
        self.sections = sections
    }

    /// Parses `text`; never fails.
    public init(parsing text: String) {
        var sections: [String: [String: String]] = [:]
        var current: String?
        var lastKey: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.trimmingCharacters(in: " \t")
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if let first = rawLine.first, first == " " || first == "\t" {
                // Continuation of the previous value (a nested block).
                if let current, let lastKey {
                    let previous = sections[current]?[lastKey] ?? ""
                    sections[current]?[lastKey] = previous.isEmpty ? String(line) : previous + "\n" + line
                }
                continue
            }
            if line.hasPrefix("[") {
                guard let close = line.lastIndex(of: "]") else {
                    current = nil
                    continue
                }
                let name = String(line[line.index(after: line.startIndex)..<close].trimmingCharacters(in: " \t"))
                current = name
                lastKey = nil
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let current, let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = String(line[..<separator].trimmingCharacters(in: " \t")).lowercased()
            let value = String(line[line.index(after: separator)...].trimmingCharacters(in: " \t"))
            guard !key.isEmpty else { continue }
            sections[current]?[key] = value
            lastKey = key
        }
        self.sections = sections
    }

    /// The section of profile `name` in a **config** file: `[profile name]`, or `[default]` for
    /// `default` (where `[profile default]` wins if both exist).
    public func configProfile(_ name: String) -> [String: String]? {
        var found: [String: String]?
        for (section, values) in sections {
            let words = section.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.count == 2, words[0] == "profile", words[1] == name { return values }
            if name == "default", section == "default" { found = values }
        }
        return found
    }

    /// The section of profile `name` in a **credentials** file: `[name]`.
    public func credentialsProfile(_ name: String) -> [String: String]? {
        sections[name]
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> SubSequence {
        guard let first = firstIndex(where: { !set.contains($0) }), let last = lastIndex(where: { !set.contains($0) })
        else { return self[endIndex...] }
        return self[first...last]
    }
}
