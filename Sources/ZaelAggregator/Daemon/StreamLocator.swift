import AWSCore
import AWSDynamoDB

/// Finds the stream to consume and checks that it can feed usage snapshots.
enum StreamLocator {
    /// The stream ARN: the configured one, or the table's `LatestStreamArn`. Throws
    /// `DaemonError.misconfigured` when streams are off or do not carry both images (the
    /// snapshots need the old and the new `tc` counters).
    static func locate(
        table: String, configuredArn: String?, dynamoDB: DynamoDBAPI, streams: DynamoDBStreamsAPI
    ) throws -> String {
        let description = try dynamoDB.describeTable(table)
        let arn: String
        if let configuredArn {
            arn = configuredArn
        } else {
            guard description.streamEnabled, let latest = description.latestStreamArn else {
                throw DaemonError.misconfigured(
                    "table \(table) has no stream enabled: enable DynamoDB Streams with NEW_AND_OLD_IMAGES "
                        + "(zae-limiter's stack does) or set table.stream_arn")
            }
            arn = latest
        }
        let stream = try streams.describeStream(DescribeStreamInput(streamArn: arn, limit: 1))
        if stream.streamStatus == "DISABLED" || stream.streamStatus == "DISABLING" {
            throw DaemonError.misconfigured("stream \(arn) is \(stream.streamStatus)")
        }
        if let view = stream.streamViewType ?? description.streamViewType, view != "NEW_AND_OLD_IMAGES" {
            throw DaemonError.misconfigured(
                "stream \(arn) has view type \(view); usage snapshots need NEW_AND_OLD_IMAGES")
        }
        return arn
    }
}
