import Logging

/// One JSON object per line on stderr, for log shippers:
/// `{"timestamp":"…","level":"info","label":"…","message":"…","metadata":{"shard.id":"…"},"source":"…"}`.
public struct JSONLinesLogHandler: StatefulLogHandler {
    private let label: String
    private let writer: StderrWriter
    var state: HandlerState

    public init(label: String, levelControl: LogLevelControl, writer: StderrWriter = .standardError) {
        self.label = label
        self.writer = writer
        state = HandlerState(control: levelControl)
    }

    /// The JSON line for `record` (without the newline). Keys keep a fixed order.
    public static func format(_ record: LogRecord) -> String {
        var out = "{\"timestamp\":\(string(record.timestamp)),\"level\":\(string(record.level.rawValue))"
        out += ",\"label\":\(string(record.label)),\"message\":\(string(record.message))"
        if !record.metadata.isEmpty {
            out += ",\"metadata\":{"
            out += record.metadata.map { "\(string($0.key)):\(string($0.value))" }.joined(separator: ",")
            out += "}"
        }
        out += ",\"source\":\(string(record.source)),\"file\":\(string(record.file)),\"line\":\(record.line)}"
        return out
    }

    /// A JSON string literal (RFC 8259 escaping, plus DEL and the C1 controls U+0080–U+009F as
    /// `\u00XX`, so that a line printed raw cannot drive a terminal; other non-ASCII passes
    /// through as UTF-8).
    static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    public func log(event: LogEvent) {
        writer.writeLine(Self.format(state.record(for: event, label: label)))
    }
}
