import AWSCore
import Logging

/// `DynamoDBStreamsAPI` over the DynamoDB Streams JSON protocol (`DynamoDBStreams_20120810`).
///
/// One instance per thread. GetRecords pages are decoded by `GetRecordsDecoder` straight from
/// the response bytes. Stream faults keep their codes (`ExpiredIteratorException`,
/// `TrimmedDataAccessException`, `ResourceNotFoundException`) with kind `.fatal`, so the consumer
/// reacts to each; `LimitExceededException` is `.throttling` and retried.
public final class DynamoDBStreamsClient: JSONProtocolService, DynamoDBStreamsAPI {
    /// The `X-Amz-Target` prefix of DynamoDB Streams.
    public static let targetPrefix = "DynamoDBStreams_20120810"

    private let client: AWSJSONClient

    public init(client: AWSJSONClient) {
        self.client = client
    }

    public func listStreams(_ input: ListStreamsInput) throws -> ListStreamsOutput {
        try client.call("ListStreams", input: DynamoDBStreamsWire.listStreams(input)) {
            try DynamoDBStreamsWire.listStreams($0)
        }
    }

    public func describeStream(_ input: DescribeStreamInput) throws -> StreamDescription {
        try client.call("DescribeStream", input: DynamoDBStreamsWire.describeStream(input)) {
            try DynamoDBStreamsWire.describeStream($0)
        }
    }

    public func getShardIterator(_ input: GetShardIteratorInput) throws -> String {
        try client.call("GetShardIterator", input: DynamoDBStreamsWire.getShardIterator(input)) {
            try DynamoDBStreamsWire.shardIterator($0)
        }
    }

    public func getRecords(_ input: GetRecordsInput) throws -> GetRecordsOutput {
        try client.call("GetRecords", input: DynamoDBStreamsWire.getRecords(input)) {
            try GetRecordsDecoder.decode($0, keyFilter: input.keyFilter)
        }
    }
}
