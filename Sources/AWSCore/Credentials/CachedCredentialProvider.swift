import Foundation
import Logging

/// Caches another provider's credentials and refreshes them before they expire.
///
/// - Credentials are served from the cache until `refreshMargin` before their expiration
///   (credentials without one are kept until `invalidate()`).
/// - Exactly one caller refreshes at a time. While it does, the others keep getting the cached
///   credentials if they are still valid, or wait for the refresh if they are not.
/// - When a refresh fails but the cached credentials are still valid, they are kept and the
///   refresh is retried after `retryInterval`; the failure is logged (without secrets) as a
///   warning. When nothing valid is cached, the error is thrown to every waiting caller, and to
///   every caller until `retryInterval` has passed (so workers do not hammer the endpoint).
/// - `invalidate()` (after an ExpiredTokenException) forces the next call to refresh.
public final class CachedCredentialProvider: CredentialProvider, @unchecked Sendable {
    private let source: any CredentialProvider
    public let refreshMargin: Duration
    public let retryInterval: Duration
    private let now: @Sendable () -> Date
    private let monotonicNow: @Sendable () -> ContinuousClock.Instant
    private let logger: Logger

    // `condition` (a lock with a wait queue) guards all of `state`.
    private let condition = MonotonicCondition()
    private var state = State()

    private struct State {
        var cached: Credentials?
        var refreshing = false
        /// Counts finished refreshes, so a waiter knows whether the one it waited for failed.
        var generation = 0
        var lastFailure: (generation: Int, error: any Error)?
        /// When the next refresh may be tried after a failure: monotonic, since it is a span of
        /// our own (`retryInterval`), not a time the credentials' issuer stated.
        var retryAfter: ContinuousClock.Instant?
        var refreshes = 0
        /// Callers blocked until the refresh in progress ends.
        var waiting = 0
    }

    /// - Parameters:
    ///   - now: wall time, compared with the credentials' `expiration` (a wall-clock time).
    ///   - monotonicNow: elapsed time, for the `retryInterval` after a failed refresh.
    public init(
        _ source: any CredentialProvider, refreshMargin: Duration = .seconds(300),
        retryInterval: Duration = .seconds(10),
        now: @escaping @Sendable () -> Date = { Date() },
        monotonicNow: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }, logger: Logger
    ) {
        self.source = source
        self.refreshMargin = refreshMargin
        self.retryInterval = retryInterval
        self.now = now
        self.monotonicNow = monotonicNow
        self.logger = logger
    }

    /// How many times the source was asked for credentials (for tests and the status command).
    public var refreshCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return state.refreshes
    }

    /// How many callers are blocked waiting for the refresh in progress (tests wait for it).
    var waitingCallers: Int { condition.withLock { state.waiting } }

    public func credentials() throws -> Credentials {
        condition.lock()
        while true {
            let time = now()
            let valid = state.cached.flatMap { Self.isValid($0, at: time) ? $0 : nil }
            if let valid, !needsRefresh(valid, at: time) {
                condition.unlock()
                return valid
            }
            let inRetryInterval = state.retryAfter.map { monotonicNow() < $0 } ?? false
            if let valid, state.refreshing || inRetryInterval {
                // Someone else is refreshing, or the last refresh failed recently: the old
                // credentials still work.
                condition.unlock()
                return valid
            }
            if valid == nil, let failure = state.lastFailure, inRetryInterval {
                // Nothing usable and a refresh just failed: fail fast instead of letting every
                // worker hammer the credential endpoint.
                condition.unlock()
                throw failure.error
            }
            if state.refreshing {
                let waitedFor = state.generation
                state.waiting += 1
                while state.refreshing { condition.wait() }
                state.waiting -= 1
                // The refresh we waited for failed and left nothing usable: share its error
                // rather than queueing one more attempt per waiter.
                let usable = state.cached.map { Self.isValid($0, at: now()) } ?? false
                if let failure = state.lastFailure, failure.generation == waitedFor + 1, !usable {
                    condition.unlock()
                    throw failure.error
                }
                continue
            }
            state.refreshing = true
            state.refreshes += 1
            condition.unlock()
            return try refresh(keeping: valid)
        }
    }

    public func invalidate() {
        condition.lock()
        state.cached = nil
        state.retryAfter = nil
        condition.unlock()
        source.invalidate()
    }

    /// Runs the refresh outside the lock, then publishes the outcome and wakes waiters.
    private func refresh(keeping valid: Credentials?) throws -> Credentials {
        let result = Result { try source.credentials() }
        condition.lock()
        defer {
            state.refreshing = false
            state.generation += 1
            condition.broadcast()
            condition.unlock()
        }
        switch result {
        case .success(let fresh):
            state.cached = fresh
            state.retryAfter = nil
            state.lastFailure = nil
            logger.debug("credentials refreshed", metadata: ["credentials.source": "\(fresh.source)"])
            return fresh
        case .failure(let error):
            state.lastFailure = (state.generation + 1, error)
            state.retryAfter = monotonicNow().advanced(by: retryInterval)
            if let valid, let still = state.cached, Self.isValid(still, at: now()), still == valid {
                logger.warning(
                    "credential refresh failed; keeping the current credentials until they expire",
                    metadata: ["error": "\(error)", "credentials.source": "\(still.source)"])
                return still
            }
            throw error
        }
    }

    private func needsRefresh(_ credentials: Credentials, at time: Date) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        return time.addingTimeInterval(Self.seconds(refreshMargin)) >= expiration
    }

    private static func isValid(_ credentials: Credentials, at time: Date) -> Bool {
        guard let expiration = credentials.expiration else { return true }
        return time < expiration
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let parts = duration.components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}
