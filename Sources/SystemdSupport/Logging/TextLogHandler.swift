import Logging

/// Human-readable lines on stderr:
/// `2026-01-02T03:04:05.678Z warning zael.lease: lease lost shard.id=shardId-1 lease.owner="host a"`.
///
/// Every entry is exactly one line of printable text: control characters in the label, the
/// message and metadata keys and values (ESC, CR, LF, other C0 and C1 controls, DEL) are
/// written as visible escapes (`\n`, `\u{1B}`; see `ControlEscaping`), so that text a service
/// sent cannot split a line or drive a terminal.
public struct TextLogHandler: StatefulLogHandler {
    private let label: String
    private let writer: StderrWriter
    var state: HandlerState

    public init(label: String, levelControl: LogLevelControl, writer: StderrWriter = .standardError) {
        self.label = label
        self.writer = writer
        state = HandlerState(control: levelControl)
    }

    /// The line for `record` (without the newline).
    public static func format(_ record: LogRecord) -> String {
        let label = ControlEscaping.escaped(record.label)
        var line = "\(record.timestamp) \(record.level) \(label): \(ControlEscaping.escaped(record.message))"
        for (key, value) in record.metadata {
            line += " \(ControlEscaping.escaped(key))=\(quoted(value))"
        }
        return line
    }

    /// A metadata value: bare when it is one printable word, else quoted with `"`, `\\` and
    /// control characters escaped.
    static func quoted(_ value: String) -> String {
        let plain =
            !value.isEmpty
            && value.unicodeScalars.allSatisfy {
                $0 != " " && $0 != "\"" && $0 != "=" && !ControlEscaping.isControl($0)
            }
        guard !plain else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where ControlEscaping.isControl(scalar): out += ControlEscaping.escape(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    public func log(event: LogEvent) {
        writer.writeLine(Self.format(state.record(for: event, label: label)))
    }
}
