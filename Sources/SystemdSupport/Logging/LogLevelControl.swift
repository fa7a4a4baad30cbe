import Foundation
import Logging

/// The process-wide log level that every handler made by `LoggingBootstrap` follows, so a SIGHUP
/// reload of `logging.level` takes effect at once in every existing `Logger`.
///
/// A `Logger` whose level is set directly (`logger.logLevel = .trace`) keeps that level instead.
public final class LogLevelControl: @unchecked Sendable {
    private let lock = NSLock()
    // Guarded by `lock`.
    private var current: Logger.Level

    public init(_ level: Logger.Level) {
        current = level
    }

    /// The level handlers follow; setting it affects all of them.
    public var level: Logger.Level {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }
}
