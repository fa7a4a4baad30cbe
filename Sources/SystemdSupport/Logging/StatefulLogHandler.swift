import Logging

/// A handler whose metadata, provider and level live in a `HandlerState`: the swift-log
/// accessors are the same for every handler here, so they are written once.
protocol StatefulLogHandler: LogHandler {
    var state: HandlerState { get set }
}

extension StatefulLogHandler {
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { state.metadata[key] }
        set { state.metadata[key] = newValue }
    }

    public var metadata: Logger.Metadata {
        get { state.metadata }
        set { state.metadata = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { state.metadataProvider }
        set { state.metadataProvider = newValue }
    }

    public var logLevel: Logger.Level {
        get { state.logLevel }
        set { state.logLevel = newValue }
    }
}
