/// A parsed configuration file: `[table]` headers and `key = value` entries, each with its line.
public struct TOMLDocument: Sendable, Equatable {
    /// One `key = value` line.
    public struct Entry: Sendable, Equatable {
        /// The enclosing table (`""` for keys before the first header).
        public var table: String
        public var key: String
        public var value: TOMLValue
        /// 1-based line of the key.
        public var line: Int

        /// `table.key`, or `key` at the top level.
        public var path: String { table.isEmpty ? key : "\(table).\(key)" }
    }

    /// Entries in file order.
    public var entries: [Entry] = []
    /// Table name → line of its header.
    public var tables: [String: Int] = [:]

    public init() {}

    /// The entry for `table.key`, if present.
    public func entry(_ path: String) -> Entry? {
        entries.first { $0.path == path }
    }
}

/// One syntax error, with its 1-based line.
public struct TOMLSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public var description: String { "line \(line): \(message)" }
}
