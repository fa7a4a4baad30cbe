import AWSCore

/// Request bodies and response decoding of the DynamoDB Streams operations.
enum DynamoDBStreamsWire {
    static func listStreams(_ input: ListStreamsInput) -> JSONValue {
        var body = WireRequest()
        body.set("TableName", input.tableName)
        body.set("ExclusiveStartStreamArn", input.exclusiveStartStreamArn)
        body.set("Limit", input.limit)
        return body.json
    }

    static func describeStream(_ input: DescribeStreamInput) -> JSONValue {
        var body = WireRequest()
        body.set("StreamArn", input.streamArn)
        body.set("ExclusiveStartShardId", input.exclusiveStartShardId)
        body.set("Limit", input.limit)
        return body.json
    }

    static func getShardIterator(_ input: GetShardIteratorInput) -> JSONValue {
        var body = WireRequest()
        body.set("StreamArn", input.streamArn)
        body.set("ShardId", input.shardId)
        body.set("ShardIteratorType", input.position.wireType)
        switch input.position {
        case .atSequenceNumber(let number), .afterSequenceNumber(let number):
            body.set("SequenceNumber", number.digits)
        case .trimHorizon, .latest:
            break
        }
        return body.json
    }

    static func getRecords(_ input: GetRecordsInput) -> JSONValue {
        var body = WireRequest()
        body.set("ShardIterator", input.shardIterator)
        body.set("Limit", input.limit)
        return body.json
    }

    static func listStreams(_ bytes: [UInt8]) throws -> ListStreamsOutput {
        let response = try WireObject.parse(bytes)
        let streams = try response.objects("Streams") { (stream) throws(WireShapeError) in
            StreamSummary(
                streamArn: try stream.requiredString("StreamArn"), tableName: try stream.requiredString("TableName"),
                streamLabel: try stream.requiredString("StreamLabel"))
        }
        return ListStreamsOutput(
            streams: streams, lastEvaluatedStreamArn: try response.optionalString("LastEvaluatedStreamArn"))
    }

    static func describeStream(_ bytes: [UInt8]) throws -> StreamDescription {
        let description = try WireObject.parse(bytes).requiredObject("StreamDescription")
        do {
            let shards = try description.objects("Shards") { (shard) throws(WireShapeError) in
                let (starting, ending) = try shard.nested("SequenceNumberRange") { (range) throws(WireShapeError) in
                    (
                        try range?.optionalSequenceNumber("StartingSequenceNumber"),
                        try range?.optionalSequenceNumber("EndingSequenceNumber")
                    )
                }
                return Shard(
                    shardId: try shard.requiredString("ShardId"),
                    parentShardId: try shard.optionalString("ParentShardId"),
                    startingSequenceNumber: starting, endingSequenceNumber: ending)
            }
            return StreamDescription(
                streamArn: try description.requiredString("StreamArn"),
                streamStatus: try description.requiredString("StreamStatus"),
                streamViewType: try description.optionalString("StreamViewType"),
                tableName: try description.optionalString("TableName"), shards: shards,
                lastEvaluatedShardId: try description.optionalString("LastEvaluatedShardId"))
        } catch {
            throw error.within("StreamDescription")
        }
    }

    static func shardIterator(_ bytes: [UInt8]) throws -> String {
        try WireObject.parse(bytes).requiredString("ShardIterator")
    }
}
