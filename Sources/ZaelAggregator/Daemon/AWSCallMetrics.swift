import AWSCore
import Foundation
import Metrics
import Observability
import StreamConsumer

/// Counts what the AWS clients do below the engine: retried calls, throttled attempts by API
/// and credential refreshes.
///
/// Every client's `Retrier` reports through ``retried(_:)`` (its `onRetry` hook): each retried
/// attempt adds to `zael_retries_total`, and a throttled one to `zael_throttles_total{api}`.
/// A throttled call that exhausts its retries reaches the engine, which counts that last attempt
/// itself (GetRecords), so an attempt is counted once. Credential refreshes are read from the
/// shared `CachedCredentialProvider` when the metrics are read (``syncCredentialRefreshes()``),
/// because the provider knows nothing of metrics.
final class AWSCallMetrics: @unchecked Sendable {
    // `throttles` and `refreshesSeen` are guarded by `lock`; the metric objects are thread-safe.
    private let factory: MetricsFactory
    private let lock = NSLock()
    private var throttles: [String: Counter] = [:]
    private var refreshesSeen = 0
    private let retries: Counter
    private let credentialRefreshes: Counter

    init(factory: MetricsFactory) {
        self.factory = factory
        retries = Counter(label: ConsumerMetricNames.retries, factory: factory)
        credentialRefreshes = Counter(label: MetricCatalogue.credentialRefreshes, factory: factory)
    }

    /// The `Retrier.onRetry` hook: `error` is about to be retried.
    func retried(_ error: AWSError) {
        retries.increment()
        guard error.kind == .throttling else { return }
        // Operation names are the client's fixed API names, so the label stays bounded.
        let api = error.operation.isEmpty ? "unknown" : error.operation
        let counter = lock.withLock { () -> Counter in
            if let counter = throttles[api] { return counter }
            let counter = Counter(
                label: ConsumerMetricNames.throttles, dimensions: [(ConsumerMetricNames.apiLabel, api)],
                factory: factory)
            throttles[api] = counter
            return counter
        }
        counter.increment()
    }

    /// Brings `zael_credential_refreshes_total` up to `refreshCount` (the provider's running count).
    func syncCredentialRefreshes(refreshCount: Int) {
        let delta = lock.withLock { () -> Int in
            let delta = refreshCount - refreshesSeen
            refreshesSeen = max(refreshesSeen, refreshCount)
            return delta
        }
        if delta > 0 { credentialRefreshes.increment(by: delta) }
    }
}
