import Testing

@testable import AWSCore

@Suite struct ClassificationTests {
    private func response(_ status: Int, _ body: String, headers: [(name: String, value: String)] = []) -> HTTPResponse
    {
        HTTPResponse(
            status: status, headers: [(name: "x-amzn-requestid", value: "RID1")] + headers, body: Array(body.utf8))
    }

    private func awsError(_ status: Int, code: String, extra: String = "") -> HTTPResponse {
        response(status, #"{"__type":"com.amazonaws.dynamodb.v20120810#\#(code)","message":"text"\#(extra)}"#)
    }

    @Test func success_isNil() {
        #expect(AWSError.classify(response(200, "{}"), operation: "GetItem") == nil)
    }

    @Test(arguments: [
        "ThrottlingException", "ProvisionedThroughputExceededException", "LimitExceededException",
        "RequestLimitExceeded", "TooManyRequestsException", "TransactionConflictException",
    ])
    func throttlingCodes_areThrottling(code: String) throws {
        let error = try #require(AWSError.classify(awsError(400, code: code), operation: "PutItem", attempt: 2))
        #expect(error.kind == .throttling)
        #expect(error.code == code)
        #expect(error.message == "text")
        #expect(error.requestID == "RID1")
        #expect(error.attempt == 2)
        #expect(error.httpStatus == 400)
    }

    @Test func errorDescription_namesOperationCodeAndRequestID() throws {
        let error = try #require(AWSError.classify(awsError(400, code: "ValidationException"), operation: "Query"))
        #expect(error.description.contains("Query"))
        #expect(error.description.contains("ValidationException"))
        #expect(error.description.contains("RID1"))
    }

    @Test(arguments: [
        ("ValidationException", AWSError.Kind.fatal), ("AccessDeniedException", .fatal),
        ("ResourceNotFoundException", .fatal), ("SerializationException", .fatal), ("SomethingNew", .fatal),
        ("ExpiredIteratorException", .fatal), ("TrimmedDataAccessException", .fatal),
        ("ExpiredTokenException", .credentials), ("UnrecognizedClientException", .credentials),
        ("InvalidSignatureException", .credentials), ("ConditionalCheckFailedException", .conditional),
        ("InternalServerError", .transient), ("ServiceUnavailable", .transient),
    ])
    func codes_mapToKinds(code: String, kind: AWSError.Kind) throws {
        let error = try #require(AWSError.classify(awsError(400, code: code), operation: "X"))
        #expect(error.kind == kind)
        #expect(error.code == code)
    }

    @Test func capitalMessage_isRead() throws {
        let body = #"{"__type":"com.amazon.coral.validate#ValidationException","Message":"bad key"}"#
        let error = try #require(AWSError.classify(response(400, body), operation: "GetItem"))
        #expect(error.code == "ValidationException")
        #expect(error.message == "bad key")
    }

    @Test func htmlBadGateway_isTransientWithStatusCode() throws {
        let body = "<html><head><title>502 Bad Gateway</title></head></html>"
        let error = try #require(AWSError.classify(response(502, body), operation: "GetRecords"))
        #expect(error.kind == .transient)
        #expect(error.code == "HTTP502")
        #expect(error.message.contains("502 Bad Gateway"))
    }

    @Test func unparsable4xx_isFatal_but429IsThrottling() throws {
        #expect(AWSError.classify(response(403, "nope"), operation: "X")?.kind == .fatal)
        #expect(AWSError.classify(response(429, ""), operation: "X")?.kind == .throttling)
    }

    @Test func anyServerError_isTransient_evenWithAnUnknownCode() throws {
        let error = try #require(AWSError.classify(awsError(503, code: "Whatever"), operation: "X"))
        #expect(error.kind == .transient)
    }

    @Test func errorTypeHeader_isUsedWithoutABody() throws {
        let error = try #require(
            AWSError.classify(
                response(400, "", headers: [(name: "x-amzn-errortype", value: "ThrottlingException:http://internal")]),
                operation: "X"))
        #expect(error.code == "ThrottlingException")
        #expect(error.kind == .throttling)
    }

    @Test func transactionCanceled_withConditionalReason_isConditional_withReasonsInOrder() throws {
        let extra =
            #","CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":"x"},{"Code":"None"}]"#
        let error = try #require(
            AWSError.classify(awsError(400, code: "TransactionCanceledException", extra: extra), operation: "T"))
        #expect(error.kind == .conditional)
        #expect(error.cancellationReasons == ["None", "ConditionalCheckFailed", "None"])
    }

    @Test func transactionCanceled_onlyConflicts_isThrottling() throws {
        let extra = #","CancellationReasons":[{"Code":"TransactionConflict"},{"Code":"None"}]"#
        let error = try #require(
            AWSError.classify(awsError(400, code: "TransactionCanceledException", extra: extra), operation: "T"))
        #expect(error.kind == .throttling)
    }

    @Test func transactionCanceled_validationReason_isFatal() throws {
        let extra = #","CancellationReasons":[{"Code":"ValidationError"}]"#
        let error = try #require(
            AWSError.classify(awsError(400, code: "TransactionCanceledException", extra: extra), operation: "T"))
        #expect(error.kind == .fatal)
    }

    @Test func transactionCanceled_reasonsFromMessageWhenBodyLacksThem() throws {
        let body =
            #"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]"}"#
        let error = try #require(AWSError.classify(response(400, body), operation: "T"))
        #expect(error.cancellationReasons == ["None", "ConditionalCheckFailed"])
        #expect(error.kind == .conditional)
    }

    @Test func crcMismatch_isTransient_evenOn200() throws {
        let body = #"{"Item":{}}"#
        let good = String(CRC32.checksum(Array(body.utf8)))
        #expect(
            AWSError.classify(response(200, body, headers: [(name: "x-amz-crc32", value: good)]), operation: "G") == nil
        )
        let bad = String(CRC32.checksum(Array(body.utf8)) ^ 1)
        let error = try #require(
            AWSError.classify(response(200, body, headers: [(name: "x-amz-crc32", value: bad)]), operation: "G"))
        #expect(error.kind == .transient)
        #expect(error.code == "CRC32Mismatch")
        let garbage = try #require(
            AWSError.classify(response(200, body, headers: [(name: "x-amz-crc32", value: "abc")]), operation: "G"))
        #expect(garbage.code == "CRC32Mismatch")
    }

    @Test func crc32_matchesKnownValues() {
        // Check values of the IEEE polynomial (as zlib.crc32 computes them).
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        // Every length around the 8-byte stride agrees with the bytewise definition.
        let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for length in 0...bytes.count {
            #expect(CRC32.checksum(Array(bytes.prefix(length))) == bitwiseCRC(Array(bytes.prefix(length))))
        }
    }

    private func bitwiseCRC(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }

    @Test func undecodable_truncatedIsTransient_wrongShapeIsFatal() {
        let truncated = response(200, #"{"Table":{"#)
        let parseError = (try? JSONValue.parse(truncated.body)) == nil
        #expect(parseError)
        do {
            _ = try JSONValue.parse(truncated.body)
        } catch {
            let classified = AWSError.undecodable(truncated, operation: "DescribeTable", attempt: 1, reason: error)
            #expect(classified.kind == .transient)
            #expect(classified.code == "MalformedResponse")
        }
        struct Shape: Error {}
        let wrong = AWSError.undecodable(response(200, "{}"), operation: "DescribeTable", attempt: 1, reason: Shape())
        #expect(wrong.kind == .fatal)
        #expect(wrong.code == "UnexpectedResponseShape")
    }
}
