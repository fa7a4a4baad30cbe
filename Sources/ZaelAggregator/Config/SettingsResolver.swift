/// Reads typed, range-checked values out of the layered raw settings, recording a problem for each
/// bad value (and returning `nil` so the caller keeps its default and carries on collecting).
struct SettingsResolver {
    /// A value as given: typed from the file, or text from the environment or a flag.
    enum RawValue {
        case toml(TOMLValue)
        case text(String)
    }

    /// The winning value of each key set anywhere, with its origin.
    var values: [String: (raw: RawValue, origin: SettingOrigin)] = [:]
    private(set) var problems: [ConfigurationProblem] = []
    /// Keys the builder asked for: anything set but never asked for is unknown.
    private(set) var requested: Set<String> = []

    mutating func set(_ key: String, _ raw: RawValue, origin: SettingOrigin) {
        values[key] = (raw, origin)
    }

    func origin(of key: String) -> SettingOrigin {
        values[key]?.origin ?? .defaultValue
    }

    mutating func report(_ problem: ConfigurationProblem) {
        problems.append(problem)
    }

    private mutating func lookup(_ key: String) -> (raw: RawValue, origin: SettingOrigin)? {
        requested.insert(key)
        return values[key]
    }

    private mutating func fail(_ key: String, _ origin: SettingOrigin, _ message: String) {
        problems.append(.value(key, at: origin, message))
    }

    private static func found(_ raw: RawValue) -> String {
        switch raw {
        case .toml(let value): return "\(value.typeDescription) (\(value.tomlText))"
        case .text(let text): return "\"\(text)\""
        }
    }

    /// A string setting, or `nil` when unset or not a string.
    mutating func string(_ key: String) -> String? {
        guard let (raw, origin) = lookup(key) else { return nil }
        switch raw {
        case .toml(.string(let s)): return s
        case .text(let s): return s
        case .toml(let other):
            fail(key, origin, "expected a string, found \(other.typeDescription) (\(other.tomlText))")
            return nil
        }
    }

    /// A string that must not be empty when set.
    mutating func nonEmptyString(_ key: String) -> String? {
        guard let value = string(key) else { return nil }
        if value.isEmpty {
            fail(key, origin(of: key), "must not be empty")
            return nil
        }
        return value
    }

    /// An integer within `range` or one of `special` (such as -1 for "no limit").
    mutating func integer(
        _ key: String, range: ClosedRange<Int>, special: [Int: String] = [:], unit: String = ""
    ) -> Int? {
        guard let (raw, origin) = lookup(key) else { return nil }
        let allowed = Self.describe(range: range, special: special, unit: unit)
        let number: Int64?
        switch raw {
        case .toml(.integer(let i)): number = i
        case .text(let s): number = TOMLParser.integer(s.trimmingSpaces)
        case .toml: number = nil
        }
        guard let number, let value = Int(exactly: number) else {
            fail(key, origin, "expected an integer, found \(Self.found(raw)); allowed: \(allowed)")
            return nil
        }
        guard range.contains(value) || special[value] != nil else {
            fail(key, origin, "\(value) is out of range; allowed: \(allowed)")
            return nil
        }
        return value
    }

    /// A number of seconds (integer or float) within `range`.
    mutating func seconds(_ key: String, range: ClosedRange<Double>) -> Double? {
        guard let (raw, origin) = lookup(key) else { return nil }
        let allowed = "\(Self.number(range.lowerBound)) to \(Self.number(range.upperBound)) seconds"
        let number: Double?
        switch raw {
        case .toml(.integer(let i)): number = Double(i)
        case .toml(.float(let d)): number = d
        case .text(let s):
            let t = s.trimmingSpaces
            number = TOMLParser.integer(t).map(Double.init) ?? TOMLParser.float(t)
        case .toml: number = nil
        }
        guard let number else {
            fail(key, origin, "expected a number, found \(Self.found(raw)); allowed: \(allowed)")
            return nil
        }
        guard range.contains(number) else {
            fail(key, origin, "\(Self.number(number)) is out of range; allowed: \(allowed)")
            return nil
        }
        return number
    }

    mutating func bool(_ key: String) -> Bool? {
        guard let (raw, origin) = lookup(key) else { return nil }
        switch raw {
        case .toml(.bool(let b)): return b
        case .text(let s) where s.trimmingSpaces == "true": return true
        case .text(let s) where s.trimmingSpaces == "false": return false
        default:
            fail(key, origin, "expected a boolean, found \(Self.found(raw)); allowed: true, false")
            return nil
        }
    }

    /// One of a fixed set of strings.
    mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, as type: T.Type) -> T?
    where T.RawValue == String {
        guard let text = string(key) else { return nil }
        if let value = T(rawValue: text) { return value }
        let allowed = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        fail(key, origin(of: key), "\"\(text)\" is not allowed; allowed: \(allowed)")
        return nil
    }

    /// An array of strings; from the environment or a flag, comma-separated.
    mutating func stringArray(_ key: String) -> [String]? {
        guard let (raw, origin) = lookup(key) else { return nil }
        switch raw {
        case .toml(.stringArray(let items)): return items
        case .text(let s):
            return s.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        case .toml(let other):
            fail(key, origin, "expected an array of strings, found \(other.typeDescription) (\(other.tomlText))")
            return nil
        }
    }

    /// A non-empty array of distinct values from a fixed set.
    mutating func choiceArray<T: RawRepresentable & CaseIterable & Equatable>(_ key: String, as type: T.Type) -> [T]?
    where T.RawValue == String {
        guard let items = stringArray(key) else { return nil }
        let allowed = "a non-empty list of " + T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        var result: [T] = []
        var bad: [String] = []
        for item in items {
            if let value = T(rawValue: item) {
                if !result.contains(value) { result.append(value) }
            } else {
                bad.append("\"\(item)\"")
            }
        }
        if !bad.isEmpty {
            fail(key, origin(of: key), "\(bad.joined(separator: ", ")) not allowed; allowed: \(allowed)")
            return nil
        }
        if result.isEmpty {
            fail(key, origin(of: key), "must not be empty; allowed: \(allowed)")
            return nil
        }
        return result
    }

    /// `d` as an operator wrote it: `2` rather than `2.0`; huge, infinite and NaN values
    /// print as Swift spells them (converting those to `Int` would trap).
    static func number(_ d: Double) -> String {
        if d == d.rounded(), let whole = Int(exactly: d) { return String(whole) }
        return String(d)
    }

    private static func describe(range: ClosedRange<Int>, special: [Int: String], unit: String) -> String {
        let span = "\(range.lowerBound) to \(range.upperBound)\(unit.isEmpty ? "" : " \(unit)")"
        guard !special.isEmpty else { return span }
        let extras = special.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }
        return extras.joined(separator: ", ") + " or " + span
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
