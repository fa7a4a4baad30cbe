import StreamConsumer

/// Sends records the aggregator could not apply to the on-failure destination, with the reason,
/// before the checkpoint passes them.
public final class RejectionSpool: RecordRejectionHandler {
    let destination: FailureDestination
    let streamArn: String
    let shardId: String
    let lane: Int

    public init(destination: FailureDestination, streamArn: String, shardId: String, lane: Int) {
        self.destination = destination
        self.streamArn = streamArn
        self.shardId = shardId
        self.lane = lane
    }

    public func recordRejected(_ rejection: RecordRejection) throws {
        try destination.send(
            FailedRecords(
                streamArn: streamArn, shardId: rejection.shardId, lane: lane, reason: .rejectedByProcessor,
                attempts: 1, lastError: rejection.reason.description, records: [rejection.record]))
    }
}
