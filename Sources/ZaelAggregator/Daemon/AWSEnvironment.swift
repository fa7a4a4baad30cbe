import AWSCore
import AWSDynamoDB
import AWSS3
import Foundation
import Logging

/// The resolved AWS side of the daemon: region, endpoints, the shared credential provider, and
/// factories for per-thread clients.
///
/// Built once at start-up. Every client it makes owns its own libcurl handle (one per shard
/// worker, lane and loop), so no transport is ever shared between threads; all of them watch one
/// `StopLatch`, fired only when a graceful stop overruns its deadline.
struct AWSEnvironment: Sendable {
    let region: String
    let dynamoDBEndpoint: String
    let streamsEndpoint: String
    /// Where audit archives go: `archival.endpoint`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`
    /// (the environment skipped with `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`), else nil for
    /// AWS's regional S3 endpoint.
    let s3EndpointOverride: String?
    let credentials: CachedCredentialProvider
    let abortFlag: StopLatch
    let httpTimeout: Duration
    let logger: Logger
    /// Retries, throttles by API and credential refreshes of every client made here.
    let callMetrics: AWSCallMetrics?

    /// Resolves region, endpoints and credentials; throws `AWSError` (fatal: no region, bad
    /// endpoint) or when no credentials resolve.
    init(
        configuration: AggregatorConfiguration, environment: [String: String], logger: Logger,
        callMetrics: AWSCallMetrics? = nil
    ) throws {
        var environment = environment
        if let profile = configuration.aws.profile { environment["AWS_PROFILE"] = profile }
        // The metadata and container endpoints answer in milliseconds on a healthy host; a short
        // connect timeout keeps a non-EC2 host from stalling start-up.
        let metadataTransport = SerialTransport(
            CurlTransport(configuration: .init(connectTimeout: .seconds(1), requestTimeout: .seconds(3))))
        let imds = InstanceMetadataClient(environment: environment, transport: metadataTransport)
        if let configured = configuration.aws.region {
            region = configured
        } else {
            region = try RegionResolver.resolve(environment: environment, imds: imds).region
        }
        let endpoints = EndpointResolver(
            dynamoDBOverride: configuration.aws.endpoint,
            streamsOverride: configuration.aws.streamsEndpoint ?? configuration.aws.endpoint)
        dynamoDBEndpoint = endpoints.dynamoDBEndpoint(region: region, environment: environment)
        streamsEndpoint = endpoints.streamsEndpoint(region: region, environment: environment)
        if let configured = configuration.archival.endpoint {
            s3EndpointOverride = configured
        } else if environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() != "true" {
            s3EndpointOverride = [environment["AWS_ENDPOINT_URL_S3"], environment["AWS_ENDPOINT_URL"]]
                .compactMap { $0 }.first { !$0.isEmpty }
        } else {
            s3EndpointOverride = nil
        }
        credentials = CredentialChain.makeDefault(
            environment: environment, transport: metadataTransport, imds: imds, logger: logger)
        abortFlag = StopLatch()
        httpTimeout = configuration.consumer.httpTimeout
        self.logger = logger
        self.callMetrics = callMetrics
    }

    /// The longest one call may take, retries included: well inside systemd's `WatchdogSec=30`,
    /// so that a lane reports liveness between calls even when every attempt times out. A call
    /// that runs out of time throws its last (retryable) error; the engine retries on its terms.
    static let callTimeLimit = Duration.seconds(20)

    private func retrier(onAttempt: (@Sendable () -> Void)? = nil) -> Retrier {
        let policy = RetryPolicy(maxElapsed: Self.callTimeLimit, attemptTimeout: Self.connectTimeout + httpTimeout)
        var retrier = Retrier(policy: policy, abortFlag: abortFlag)
        if let callMetrics { retrier.onRetry = { callMetrics.retried($0) } }
        retrier.onAttempt = onAttempt
        return retrier
    }

    static let connectTimeout = Duration.seconds(3)

    /// Brings the credential refresh counter up to date (call before the metrics are read).
    func syncCredentialMetrics() {
        callMetrics?.syncCredentialRefreshes(refreshCount: credentials.refreshCount)
    }

    private func transport() -> CurlTransport {
        CurlTransport(
            configuration: .init(connectTimeout: Self.connectTimeout, requestTimeout: httpTimeout), abortFlag: abortFlag
        )
    }

    /// A DynamoDB client for one thread; `onAttempt` is called around every attempt of every
    /// call (liveness for the watchdog).
    func makeDynamoDB(onAttempt: (@Sendable () -> Void)? = nil) -> DynamoDBClient {
        DynamoDBClient(
            endpoint: dynamoDBEndpoint, region: region, transport: transport(), credentials: credentials,
            retrier: retrier(onAttempt: onAttempt), logger: logger)
    }

    /// A DynamoDB client for one lease renewer thread: every call ends within `callTimeLimit`,
    /// retries included. One attempt gets the whole limit (a slow but working table still
    /// answers) and is not retried within the call: the renewer retries at the lease's next
    /// round, which the limit (below failover/3) leaves time for.
    func makeDynamoDB(callTimeLimit: Duration) -> DynamoDBClient {
        let attempt = min(callTimeLimit, Self.connectTimeout + httpTimeout)
        var retrier = Retrier(
            policy: RetryPolicy(maxElapsed: callTimeLimit, attemptTimeout: attempt), abortFlag: abortFlag)
        if let callMetrics { retrier.onRetry = { callMetrics.retried($0) } }
        let transport = CurlTransport(
            configuration: .init(connectTimeout: min(Self.connectTimeout, attempt), requestTimeout: attempt),
            abortFlag: abortFlag)
        return DynamoDBClient(
            endpoint: dynamoDBEndpoint, region: region, transport: transport, credentials: credentials,
            retrier: retrier, logger: logger)
    }

    /// An S3 client for one thread (one per lane, for audit archival); `onAttempt` as for
    /// DynamoDB.
    func makeS3(
        _ archival: AggregatorConfiguration.ArchivalSection, onAttempt: (@Sendable () -> Void)? = nil
    ) -> S3Client {
        S3Client(
            addressing: S3Addressing(
                region: archival.region ?? region, endpointOverride: s3EndpointOverride,
                forcePathStyle: archival.pathStyle),
            transport: transport(), credentials: credentials, retrier: retrier(onAttempt: onAttempt), logger: logger)
    }

    /// A DynamoDB Streams client for one thread.
    func makeStreams() -> DynamoDBStreamsClient {
        DynamoDBStreamsClient(
            endpoint: streamsEndpoint, region: region, transport: transport(), credentials: credentials,
            retrier: retrier(), logger: logger)
    }
}
