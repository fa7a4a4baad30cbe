import AWSDynamoDB
import Logging
import StreamConsumer
import UsageAggregation

/// Makes one `UsageAggregator` per lane, each with its own DynamoDB client (its own libcurl
/// handle on the lane's thread).
///
/// The clients retry throttled and failed calls themselves. In exactly-once delivery that is safe
/// because every transaction carries the lane's checkpoint fence: a resent transaction whose first
/// try committed fails the fence, and the engine then re-reads the lane and adopts the committed
/// checkpoint instead of applying anything twice.
struct AggregatorProcessorFactory: RecordProcessorFactory {
    let aws: AWSEnvironment
    let settings: UsageAggregationSettings
    let failureDestination: FailureDestination
    let streamArn: String
    let logger: Logger

    func makeProcessor(shardId: String, lane: Int, laneCount: Int) -> RecordProcessor {
        let client = aws.makeDynamoDB()
        let spool = RejectionSpool(
            destination: failureDestination, streamArn: streamArn, shardId: shardId, lane: lane)
        return UsageAggregator(client: client, settings: settings, rejectionHandler: spool, logger: logger)
    }
}

/// Sends records the aggregator could not apply to the on-failure destination, with the reason,
/// before the checkpoint passes them.
final class RejectionSpool: RecordRejectionHandler {
    let destination: FailureDestination
    let streamArn: String
    let shardId: String
    let lane: Int

    init(destination: FailureDestination, streamArn: String, shardId: String, lane: Int) {
        self.destination = destination
        self.streamArn = streamArn
        self.shardId = shardId
        self.lane = lane
    }

    func recordRejected(_ rejection: RecordRejection) throws {
        try destination.send(
            FailedRecords(
                streamArn: streamArn, shardId: rejection.shardId, lane: lane, reason: .rejectedByProcessor,
                attempts: 1, lastError: rejection.reason.description, records: [rejection.record]))
    }
}
