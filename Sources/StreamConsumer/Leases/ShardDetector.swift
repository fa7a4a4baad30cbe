import AWSCore
import AWSDynamoDB
import Foundation
import Logging

/// Lists the stream's shards (DescribeStream, every page) into a `ShardGraph`.
///
/// Used from one thread (the scheduler's shard sync loop); pages at most `maxCallsPerSecond`.
public final class ShardDetector {
    private let client: DynamoDBStreamsAPI
    private let streamArn: String
    private let minimumCallSpacing: Duration
    private let logger: Logger
    private let clock = ContinuousClock()
    private var lastCall: ContinuousClock.Instant?

    /// - Parameter maxCallsPerSecond: DescribeStream allows 10 calls per second per account.
    public init(client: DynamoDBStreamsAPI, streamArn: String, maxCallsPerSecond: Int = 10, logger: Logger) {
        self.client = client
        self.streamArn = streamArn
        self.minimumCallSpacing = .seconds(1) / max(maxCallsPerSecond, 1)
        self.logger = logger
    }

    /// Reads every page; throttling is retried after a pause, other errors throw, and so does a
    /// listing that cannot be completed (`ConsumerError.stream`): a shorter list is never returned.
    public func listShards() throws -> ShardGraph {
        var shards: [Shard] = []
        var startShardId: String?
        var throttled = 0
        var complete = false
        repeat {
            pace()
            do {
                let page = try client.describeStream(
                    DescribeStreamInput(streamArn: streamArn, exclusiveStartShardId: startShardId))
                shards += page.shards
                // A page that repeats the cursor would loop forever, and stopping there would pass
                // a cut listing off as the whole stream (whose missing shards then look gone).
                if let next = page.lastEvaluatedShardId, next == startShardId {
                    throw ConsumerError(
                        .stream,
                        "DescribeStream repeated its cursor \(next) after \(shards.count) shards: listing cut short")
                }
                startShardId = page.lastEvaluatedShardId
                complete = startShardId == nil
                throttled = 0
            } catch let error as AWSError where error.isRetryable && throttled < 5 {
                throttled += 1
                logger.debug("DescribeStream throttled, retrying", metadata: ["error": "\(error.code)"])
                Thread.sleep(
                    forTimeInterval: Backoff(base: .milliseconds(200), cap: .seconds(2)).delay(attempt: throttled)
                        .seconds)
            }
            // Until a page without a cursor was read: a retried first page has no cursor yet
            // either, and stopping there returned an empty listing.
        } while !complete
        return ShardGraph(shards: shards)
    }

    private func pace() {
        if let lastCall {
            let wait = minimumCallSpacing - (clock.now - lastCall)
            if wait > .zero { Thread.sleep(forTimeInterval: wait.seconds) }
        }
        lastCall = clock.now
    }
}
