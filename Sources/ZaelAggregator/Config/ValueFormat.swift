import Foundation

/// How one configuration key's value is read from the layered settings, shown as TOML and
/// described to operators: the "type and range" part of a `ConfigurationKey`.
///
/// Build one with the static functions (`.integer(1...10)`, `.seconds(3...300)`, `.bool`,
/// `.choice`, `.text`, …) and narrow it with `checked(_:)`.
public struct ValueFormat<Value: Sendable & Equatable>: Sendable {
    /// Reads `key`; `nil` when unset, or when invalid (the problem is recorded in the resolver).
    let read: @Sendable (inout SettingsResolver, String) -> Value?
    /// The value as `check-config` prints it; `nil` for an optional key left unset.
    let render: @Sendable (Value) -> TOMLValue?
    /// What is allowed, for the operations page (e.g. `1–10000`).
    public let allowed: String
    /// What an unset optional key means (printed by `check-config`); `nil` for other keys.
    public let unsetMeaning: String?

    init(
        allowed: String, unsetMeaning: String? = nil,
        read: @escaping @Sendable (inout SettingsResolver, String) -> Value?,
        render: @escaping @Sendable (Value) -> TOMLValue?
    ) {
        self.allowed = allowed
        self.unsetMeaning = unsetMeaning
        self.read = read
        self.render = render
    }

    /// This format with an extra check: `problem` returns what is wrong with a value (the text
    /// after "key …: "), or `nil` when the value is fine. `allowed` replaces the description of
    /// what is allowed, when the check narrows it.
    public func checked(
        allowed: String? = nil, _ problem: @escaping @Sendable (Value) -> String?
    ) -> ValueFormat {
        let read = self.read
        return ValueFormat(
            allowed: allowed ?? self.allowed, unsetMeaning: unsetMeaning,
            read: { r, key in
                guard let value = read(&r, key) else { return nil }
                if let message = problem(value) {
                    r.report(.value(key, at: r.origin(of: key), message))
                    return nil
                }
                return value
            }, render: render)
    }
}

extension ValueFormat where Value == Int {
    /// An integer within `range`.
    public static func integer(_ range: ClosedRange<Int>) -> ValueFormat {
        ValueFormat(
            allowed: "\(range.lowerBound)–\(range.upperBound)",
            read: { r, key in r.integer(key, range: range) }, render: { .integer(Int64($0)) })
    }
}

extension ValueFormat where Value == Int? {
    /// An integer within `range`, or -1 (`none`, read as `nil`).
    public static func integer(_ range: ClosedRange<Int>, orNone none: String) -> ValueFormat {
        ValueFormat(
            allowed: "\(range.lowerBound)–\(range.upperBound), or -1 (\(none))",
            read: { r, key in
                r.integer(key, range: range, special: [-1: none]).map { $0 == -1 ? nil : $0 }
            }, render: { .integer(Int64($0 ?? -1)) })
    }
}

extension ValueFormat where Value == Duration {
    /// Whole seconds within `range`, written as an integer.
    public static func seconds(_ range: ClosedRange<Int>) -> ValueFormat {
        ValueFormat(
            allowed: "\(range.lowerBound)–\(range.upperBound) s",
            read: { r, key in r.integer(key, range: range, unit: "seconds").map { .seconds($0) } },
            render: { .integer($0.components.seconds) })
    }

    /// Seconds, fractions allowed, within `range`, written as a float.
    public static func fractionalSeconds(_ range: ClosedRange<Double>) -> ValueFormat {
        ValueFormat(
            allowed: "\(SettingsResolver.number(range.lowerBound))–\(SettingsResolver.number(range.upperBound)) s",
            read: { r, key in r.seconds(key, range: range).map { .seconds($0) } },
            render: { .float($0.seconds) })
    }

    /// Whole days within `range`, written as an integer.
    public static func days(_ range: ClosedRange<Int>) -> ValueFormat {
        ValueFormat(
            allowed: "\(range.lowerBound)–\(range.upperBound) days",
            read: { r, key in r.integer(key, range: range, unit: "days").map { .seconds($0 * 86_400) } },
            render: { .integer($0.components.seconds / 86_400) })
    }
}

extension ValueFormat where Value == Duration? {
    /// Whole seconds within `range`, or -1 (`none`, read as `nil`).
    public static func seconds(_ range: ClosedRange<Int>, orNone none: String) -> ValueFormat {
        ValueFormat(
            allowed: "\(range.lowerBound)–\(range.upperBound) s, or -1 (\(none))",
            read: { r, key in
                r.integer(key, range: range, special: [-1: none], unit: "seconds").map { $0 == -1 ? nil : .seconds($0) }
            }, render: { .integer($0?.components.seconds ?? -1) })
    }
}

extension ValueFormat where Value == Bool {
    /// `true` or `false`.
    public static var bool: ValueFormat {
        ValueFormat(allowed: "true, false", read: { r, key in r.bool(key) }, render: { .bool($0) })
    }
}

extension ValueFormat where Value == String {
    /// A string that must not be empty.
    public static var text: ValueFormat {
        ValueFormat(allowed: "a non-empty string", read: { r, key in r.nonEmptyString(key) }, render: { .string($0) })
    }
}

extension ValueFormat where Value == String {
    /// Any string, empty included.
    public static var anyText: ValueFormat {
        ValueFormat(allowed: "a string", read: { r, key in r.string(key) }, render: { .string($0) })
    }
}

extension ValueFormat where Value == String? {
    /// An optional string: empty means unset (so an environment variable can clear a file value).
    /// With `unset`, an unset key is printed as a comment saying what that means; without, as `""`.
    public static func optionalText(unset: String? = nil) -> ValueFormat {
        ValueFormat(
            allowed: "a string, or `\"\"` (unset)", unsetMeaning: unset,
            read: { r, key in
                // An empty string is a valid value here: it clears the key, so it must win over
                // the default as `.some(nil)` rather than read as "not set".
                guard let text = r.string(key) else { return nil }
                return .some(text.isEmpty ? nil : text)
            },
            render: { value in unset == nil ? .string(value ?? "") : value.map(TOMLValue.string) })
    }
}

extension ValueFormat where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of `Value`'s cases, by raw value.
    public static var choice: ValueFormat {
        ValueFormat(
            allowed: Value.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", "),
            read: { r, key in r.choice(key, as: Value.self) }, render: { .string($0.rawValue) })
    }
}

extension ValueFormat {
    /// A non-empty list of distinct `Element` cases (comma-separated in the environment).
    public static func list<Element: RawRepresentable & CaseIterable & Equatable & Sendable>(
        of element: Element.Type
    ) -> ValueFormat where Value == [Element], Element.RawValue == String {
        ValueFormat(
            allowed: "a non-empty list of " + Element.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", "),
            read: { r, key in r.choiceArray(key, as: Element.self) },
            render: { .stringArray($0.map(\.rawValue)) })
    }
}
