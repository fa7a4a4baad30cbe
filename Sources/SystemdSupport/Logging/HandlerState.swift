import Logging

/// The value-semantics part every handler here shares: metadata, provider and level. The level
/// follows the shared `LogLevelControl` until a `Logger` sets its own.
struct HandlerState: Sendable {
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var levelOverride: Logger.Level?
    let control: LogLevelControl

    var logLevel: Logger.Level {
        get { levelOverride ?? control.level }
        set { levelOverride = newValue }
    }

    func record(for event: LogEvent, label: String) -> LogRecord {
        LogRecord(event: event, label: label, handlerMetadata: metadata, provider: metadataProvider)
    }
}
