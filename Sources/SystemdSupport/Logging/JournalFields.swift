import Logging

/// Builds the fields of one native journal entry from a log record.
///
/// Metadata keys become journal field names: the well-known ones by a fixed table (`shard.id` →
/// `SHARD_ID`, …), the rest upper-cased with every character other than A–Z and 0–9 turned into
/// `_`. journald rejects names that start with `_` or a digit, or that are longer than 64
/// characters, so those are trimmed; a key that would collide with a field this builder sets
/// itself (MESSAGE, PRIORITY, …) gets a `META_` prefix instead of overwriting it.
public enum JournalFields {
    /// Metadata keys with a fixed journal field name.
    public static let wellKnown: [String: String] = [
        "shard.id": "SHARD_ID",
        "stream.arn": "STREAM_ARN",
        "sequence.number": "SEQUENCE_NUMBER",
        "aws.request_id": "AWS_REQUEST_ID",
        "error.code": "ERROR_CODE",
    ]

    /// Control characters journal values keep as they are.
    static let journalKept: Set<Unicode.Scalar> = ["\n", "\t"]

    /// Fields this builder writes itself, which metadata must not overwrite.
    static let reserved: Set<String> = [
        "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "LOGGER_LABEL",
        "LOG_SOURCE",
    ]

    /// The journal field name for a metadata key, or `nil` when nothing usable remains.
    public static func fieldName(forMetadataKey key: String) -> String? {
        if let known = wellKnown[key] { return known }
        var name = String(
            key.uppercased().unicodeScalars.map { scalar -> Character in
                (("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)) ? Character(scalar) : "_"
            })
        // Leading underscores are for journald's trusted fields; names may not start with a digit.
        while let first = name.first, first == "_" || first.isNumber { name.removeFirst() }
        guard !name.isEmpty else { return nil }
        if reserved.contains(name) { name = "META_" + name }
        return String(name.prefix(64))
    }

    /// The syslog priority journald expects for a swift-log level.
    public static func priority(for level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// All fields for `record`, in a stable order: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, the code
    /// location, the logger label, then the metadata. When two metadata keys map to the same name
    /// (`a.b` and `a_b`), both are kept; journald stores repeated fields as several values.
    /// Values keep LF and TAB (the journal stores them and `journalctl` shows them safely); every
    /// other control character (ESC, CR, DEL, C1…) is escaped (`ControlEscaping`).
    public static func build(_ record: LogRecord, identifier: String) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [
            ("MESSAGE", record.message),
            ("PRIORITY", String(priority(for: record.level))),
            ("SYSLOG_IDENTIFIER", identifier),
            ("CODE_FILE", record.file),
            ("CODE_LINE", String(record.line)),
            ("CODE_FUNC", record.function),
            ("LOGGER_LABEL", record.label),
        ]
        for (key, value) in record.metadata {
            if let name = fieldName(forMetadataKey: key) { fields.append((name, value)) }
        }
        return fields.map { ($0.name, ControlEscaping.escaped($0.value, keeping: journalKept)) }
    }
}
