import Logging

/// Chooses and installs the process's log handler from the configured format.
///
/// `main` calls `bootstrap` once; tests and tools use `makeFactory` and pass handlers explicitly
/// (swift-log allows one global bootstrap per process).
public enum LoggingBootstrap {
    /// The `logging.format` setting.
    public enum Format: String, Sendable, CaseIterable {
        /// journald when stderr is the journal stream (`JournaldDetection`), text otherwise.
        case auto
        /// Native journald entries (falls back to text on stderr per entry if sending fails).
        case journald
        /// `TextLogHandler` lines on stderr.
        case text
        /// `JSONLinesLogHandler` lines on stderr.
        case json
    }

    /// The concrete format `format` means here; `auto` is decided by `stderrIsJournal`.
    public static func resolve(_ format: Format, stderrIsJournal: Bool) -> Format {
        guard format == .auto else { return format }
        return stderrIsJournal ? .journald : .text
    }

    /// A handler factory for `format` (resolved against this process's stderr).
    public static func makeFactory(
        format: Format, identifier: String, levelControl: LogLevelControl
    ) -> @Sendable (String) -> any LogHandler {
        let chosen = resolve(format, stderrIsJournal: JournaldDetection.stderrIsJournal())
        return { label in
            switch chosen {
            case .journald:
                return JournaldLogHandler(label: label, identifier: identifier, levelControl: levelControl)
            case .json:
                return JSONLinesLogHandler(label: label, levelControl: levelControl)
            case .text, .auto:
                return TextLogHandler(label: label, levelControl: levelControl)
            }
        }
    }

    /// Installs the handler for `format` as swift-log's global factory. Call once, from `main`.
    public static func bootstrap(format: Format, identifier: String, levelControl: LogLevelControl) {
        LoggingSystem.bootstrap(makeFactory(format: format, identifier: identifier, levelControl: levelControl))
    }
}
