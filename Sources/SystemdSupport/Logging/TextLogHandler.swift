import Logging

/// Human-readable lines on stderr:
/// `2026-01-02T03:04:05.678Z warning zael.lease: lease lost shard.id=shardId-1 lease.owner="host a"`.
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
        var line = "\(record.timestamp) \(record.level) \(record.label): \(record.message)"
        for (key, value) in record.metadata {
            line += " \(key)=\(quoted(value))"
        }
        return line
    }

    static func quoted(_ value: String) -> String {
        let plain =
            !value.isEmpty
            && value.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "\"" && $0 != "=" && $0.value != 0x7f }
        guard !plain else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    public func log(event: LogEvent) {
        writer.writeLine(Self.format(state.record(for: event, label: label)))
    }
}
