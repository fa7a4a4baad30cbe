import AWSCore
import AWSDynamoDB

/// Reads what the daemon needs to know about the table's stream.
enum StreamLocator {
    /// DescribeTable reduced to the stream: enabled, `LatestStreamArn`, view type.
    static func tableStream(table: String, dynamoDB: DynamoDBAPI) throws -> StreamDecision.TableStream {
        let description = try dynamoDB.describeTable(table)
        return StreamDecision.TableStream(
            table: table, enabled: description.streamEnabled, latestArn: description.latestStreamArn,
            viewType: description.streamViewType)
    }

    /// Checks a pinned stream (`table.stream_arn`) once at start: it must exist and carry both
    /// images, which no change of the table can fix, so a wrong view type is
    /// `DaemonError.misconfigured` (exit 78). A DISABLED pinned stream is fine: its shards stay
    /// readable for 24 hours and are drained before the daemon waits.
    static func checkPinned(_ arn: String, streams: DynamoDBStreamsAPI) throws {
        let stream = try streams.describeStream(DescribeStreamInput(streamArn: arn, limit: 1))
        if let view = stream.streamViewType, view != StreamDecision.requiredViewType {
            throw DaemonError.misconfigured(
                "stream \(arn) has view type \(view); usage snapshots need \(StreamDecision.requiredViewType)")
        }
    }
}
