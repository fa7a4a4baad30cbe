import AWSCore
import Testing

@testable import AWSDynamoDB

@Suite struct DynamoDBWireTests {
    private func text(_ value: JSONValue) -> String { value.serializedString() }

    @Test func putItem_omitsEmptyExpressionMapsAndNoneReturnValues() {
        let body = DynamoDBWire.putItem(PutItemInput(tableName: "t", item: ["PK": .s("a")]))
        #expect(text(body) == #"{"TableName":"t","Item":{"PK":{"S":"a"}},"ReturnConsumedCapacity":"TOTAL"}"#)
    }

    @Test func updateItem_carriesExpressionNamesValuesAndReturnValues() {
        let body = DynamoDBWire.updateItem(
            UpdateItemInput(
                tableName: "t", key: ["PK": .s("a")], updateExpression: "ADD #c :n",
                expression: ExpressionParts(
                    conditionExpression: "attribute_exists(PK)", names: ["#c": "count", "#b": "b"],
                    values: [":n": .n("1")]),
                returnValues: .updatedNew))
        #expect(
            text(body)
                == ##"{"TableName":"t","Key":{"PK":{"S":"a"}},"UpdateExpression":"ADD #c :n","ConditionExpression":"attribute_exists(PK)","ExpressionAttributeNames":{"#b":"b","#c":"count"},"ExpressionAttributeValues":{":n":{"N":"1"}},"ReturnValues":"UPDATED_NEW","ReturnConsumedCapacity":"TOTAL"}"##
        )
    }

    @Test func transactWriteItems_wrapsEachActionInItsKind() {
        let body = DynamoDBWire.transactWriteItems(
            TransactWriteItemsInput(
                items: [
                    .put(PutItemInput(tableName: "t", item: ["PK": .s("p")], returnValues: .allOld)),
                    .conditionCheck(
                        tableName: "l", key: ["leaseKey": .s("s")],
                        expression: ExpressionParts(conditionExpression: "leaseOwner = :me", values: [":me": .s("w")])),
                    .delete(DeleteItemInput(tableName: "t", key: ["PK": .s("d")])),
                ], clientRequestToken: "tok"))
        #expect(
            text(body)
                == #"{"TransactItems":[{"Put":{"TableName":"t","Item":{"PK":{"S":"p"}}}},{"ConditionCheck":{"TableName":"l","Key":{"leaseKey":{"S":"s"}},"ConditionExpression":"leaseOwner = :me","ExpressionAttributeValues":{":me":{"S":"w"}}}},{"Delete":{"TableName":"t","Key":{"PK":{"S":"d"}}}}],"ClientRequestToken":"tok","ReturnConsumedCapacity":"TOTAL"}"#
        )
    }

    @Test func getItem_sendsConsistentReadAndProjectionOnlyWhenAsked() {
        let plain = DynamoDBWire.getItem(GetItemInput(tableName: "t", key: ["PK": .s("a")]))
        #expect(text(plain) == #"{"TableName":"t","Key":{"PK":{"S":"a"}}}"#)
        let projected = DynamoDBWire.getItem(
            GetItemInput(
                tableName: "t", key: ["PK": .s("a"), "SK": .s("#STATE")], consistentRead: true,
                projectionExpression: "shard_count, #r", names: ["#r": "rf"]))
        #expect(
            text(projected)
                == ##"{"TableName":"t","Key":{"PK":{"S":"a"},"SK":{"S":"#STATE"}},"ConsistentRead":true,"ProjectionExpression":"shard_count, #r","ExpressionAttributeNames":{"#r":"rf"}}"##
        )
    }

    @Test func transactWriteItems_updateActionCarriesItsExpressionsButNoReturnValues() {
        let body = DynamoDBWire.transactWriteItems(
            TransactWriteItemsInput(items: [
                .update(
                    UpdateItemInput(
                        tableName: "t", key: ["PK": .s("b")], updateExpression: "ADD #qt0 :qn0",
                        expression: ExpressionParts(
                            conditionExpression: "#qt0 >= :qx0", names: ["#qt0": "b_q_tk"],
                            values: [":qn0": .n("-5"), ":qx0": .n("5")]),
                        returnValues: .allNew))
            ]))
        #expect(
            text(body)
                == ##"{"TransactItems":[{"Update":{"TableName":"t","Key":{"PK":{"S":"b"}},"UpdateExpression":"ADD #qt0 :qn0","ConditionExpression":"#qt0 >= :qx0","ExpressionAttributeNames":{"#qt0":"b_q_tk"},"ExpressionAttributeValues":{":qn0":{"N":"-5"},":qx0":{"N":"5"}}}}],"ReturnConsumedCapacity":"TOTAL"}"##
        )
    }

    @Test func getShardIterator_sendsSequenceNumberOnlyWhenPositioned() {
        let number = SequenceNumber("000123")!
        let at = DynamoDBStreamsWire.getShardIterator(
            GetShardIteratorInput(streamArn: "arn", shardId: "sh", position: .afterSequenceNumber(number)))
        #expect(
            text(at)
                == #"{"StreamArn":"arn","ShardId":"sh","ShardIteratorType":"AFTER_SEQUENCE_NUMBER","SequenceNumber":"123"}"#
        )
        let trim = DynamoDBStreamsWire.getShardIterator(
            GetShardIteratorInput(streamArn: "arn", shardId: "sh", position: .trimHorizon))
        #expect(text(trim) == #"{"StreamArn":"arn","ShardId":"sh","ShardIteratorType":"TRIM_HORIZON"}"#)
    }

    @Test func listAndDescribeStream_sendPagingMembers() {
        let list = DynamoDBStreamsWire.listStreams(ListStreamsInput(exclusiveStartStreamArn: "a1", limit: 1))
        #expect(text(list) == #"{"ExclusiveStartStreamArn":"a1","Limit":1}"#)
        let describe = DynamoDBStreamsWire.describeStream(
            DescribeStreamInput(streamArn: "arn", exclusiveStartShardId: "shardId-1", limit: 1))
        #expect(text(describe) == #"{"StreamArn":"arn","ExclusiveStartShardId":"shardId-1","Limit":1}"#)
        #expect(
            text(DynamoDBStreamsWire.getRecords(GetRecordsInput(shardIterator: "it"))) == #"{"ShardIterator":"it"}"#)
    }

    static let describeStreamBody = Array(
        #"{"StreamDescription":{"StreamArn":"arn","StreamStatus":"ENABLED","StreamViewType":"NEW_AND_OLD_IMAGES","TableName":"t","Shards":[{"ShardId":"shardId-1","SequenceNumberRange":{"StartingSequenceNumber":"100","EndingSequenceNumber":"200"}},{"ShardId":"shardId-2","ParentShardId":"shardId-1","SequenceNumberRange":{"StartingSequenceNumber":"201"}}],"LastEvaluatedShardId":"shardId-2"}}"#
            .utf8)

    @Test func describeStream_decodesLineageAndRanges() throws {
        let page = try DynamoDBStreamsWire.describeStream(Self.describeStreamBody)
        #expect(page.shards.map(\.shardId) == ["shardId-1", "shardId-2"])
        #expect(page.shards[1].parentShardId == "shardId-1")
        #expect(page.shards[0].endingSequenceNumber == SequenceNumber("200"))
        #expect(page.shards[1].endingSequenceNumber == nil)
        #expect(page.lastEvaluatedShardId == "shardId-2")
    }

    static let queryBody = Array(
        #"{"Count":2,"Items":[{"PK":{"S":"a"},"n":{"N":"1"}},{"PK":{"S":"b"},"l":{"L":[{"B":"AAE="}]}}],"LastEvaluatedKey":{"PK":{"S":"b"}},"ScannedCount":2}"#
            .utf8)

    @Test func everyTruncationOfAResponse_throwsAndNeverTraps() {
        for body in [Self.describeStreamBody, Self.queryBody] {
            for length in 0..<body.count {
                let prefix = Array(body.prefix(length))
                #expect(throws: (any Error).self) { _ = try DynamoDBStreamsWire.describeStream(prefix) }
                #expect(throws: (any Error).self) { _ = try DynamoDBWire.page(prefix) }
            }
        }
    }

    @Test func wrongTypes_throwWireShapeErrorsWithTheirPath() throws {
        let cases: [(String, String)] = [
            (#"{"Items":{"PK":{"S":"a"}}}"#, "Items"),
            (#"{"Items":[{"PK":{"S":1}}]}"#, "Items[0].PK.S"),
            (#"{"Items":[{"PK":{"X":"a"}}]}"#, "Items[0].PK.X"),
            (#"{"Items":[],"LastEvaluatedKey":"b"}"#, "LastEvaluatedKey"),
        ]
        for (body, path) in cases {
            let error = #expect(throws: WireShapeError.self) { _ = try DynamoDBWire.page(Array(body.utf8)) }
            #expect(error?.path == path, "\(body)")
        }
        let shard = #expect(throws: WireShapeError.self) {
            _ = try DynamoDBStreamsWire.describeStream(
                Array(
                    #"{"StreamDescription":{"StreamArn":"a","StreamStatus":"ENABLED","Shards":[{"ShardId":7}]}}"#.utf8))
        }
        #expect(shard?.path == "StreamDescription.Shards[0].ShardId")
        let sequence = #expect(throws: WireShapeError.self) {
            _ = try DynamoDBStreamsWire.describeStream(
                Array(
                    #"{"StreamDescription":{"StreamArn":"a","StreamStatus":"ENABLED","Shards":[{"ShardId":"s","SequenceNumberRange":{"StartingSequenceNumber":"12a"}}]}}"#
                        .utf8))
        }
        #expect(sequence?.path == "StreamDescription.Shards[0].SequenceNumberRange.StartingSequenceNumber")
    }

    @Test func transactWriteItems_sumsConsumedCapacityOverTables() throws {
        let output = try DynamoDBWire.transactWriteItems(
            Array(
                #"{"ConsumedCapacity":[{"TableName":"a","CapacityUnits":4.0},{"TableName":"b","CapacityUnits":2}]}"#
                    .utf8))
        #expect(output.consumedCapacity == 6)
        #expect(try DynamoDBWire.transactWriteItems(Array("{}".utf8)).consumedCapacity == nil)
    }
}
