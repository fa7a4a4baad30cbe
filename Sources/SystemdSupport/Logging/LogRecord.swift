import Foundation
import Logging

/// One log event with its metadata merged (handler, provider, then call site; later wins), the
/// common input of the text, JSON and journald formats.
public struct LogRecord: Sendable {
    public var level: Logger.Level
    public var message: String
    public var label: String
    /// Merged metadata, flattened to strings, sorted by key for stable output.
    public var metadata: [(key: String, value: String)]
    public var source: String
    public var file: String
    public var function: String
    public var line: UInt
    public var date: Date

    public init(
        level: Logger.Level, message: String, label: String, metadata: [(key: String, value: String)],
        source: String, file: String, function: String, line: UInt, date: Date = Date()
    ) {
        self.level = level
        self.message = message
        self.label = label
        self.metadata = metadata
        self.source = source
        self.file = file
        self.function = function
        self.line = line
        self.date = date
    }

    /// Builds a record from a swift-log event and the handler's own metadata.
    init(
        event: LogEvent, label: String, handlerMetadata: Logger.Metadata,
        provider: Logger.MetadataProvider?
    ) {
        var merged = handlerMetadata
        if let provided = provider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        if let error = event.error, merged["error"] == nil { merged["error"] = "\(error)" }
        self.init(
            level: event.level, message: event.message.description, label: label,
            metadata: merged.map { ($0.key, Self.flatten($0.value)) }.sorted { $0.key < $1.key },
            source: event.source, file: event.file, function: event.function, line: event.line)
    }

    /// A metadata value as one string: arrays as `[a, b]`, dictionaries as `[k: v]`.
    static func flatten(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): return s
        case .stringConvertible(let c): return c.description
        case .array(let items): return "[" + items.map(flatten).joined(separator: ", ") + "]"
        case .dictionary(let dict):
            return "["
                + dict.sorted { $0.key < $1.key }.map { "\($0.key): \(flatten($0.value))" }
                .joined(separator: ", ") + "]"
        }
    }

    /// RFC 3339 UTC timestamp with milliseconds, e.g. `2026-01-02T03:04:05.678Z`.
    var timestamp: String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        let millis = Int((date.timeIntervalSince1970 - Double(seconds)) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04ld-%02ld-%02ldT%02ld:%02ld:%02ld.%03ldZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
    }
}
