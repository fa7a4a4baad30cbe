import AWSCore
import Foundation
import TestPeers
import Testing

@testable import AWSDynamoDB

/// Malformed and failing responses from a loopback server (Tests/peers/fault_server.py): each
/// must become the right classified `AWSError`, retried exactly as its kind says.
@Suite struct DynamoDBClientFaultTests {
    static let tableBody =
        #"{"Table":{"TableName":"t","TableStatus":"ACTIVE","KeySchema":[{"AttributeName":"PK","KeyType":"HASH"}]}}"#

    private func describe(mode: String, failures: Int = -1, maxAttempts: Int = 3) throws -> (
        Result<TableDescription, AWSError>, FaultServerStats
    ) {
        let server = try PeerScriptServer.faultServer(mode: mode, failures: failures, successBody: Self.tableBody)
        let client = MotoClients.dynamoDB(server.endpoint, retrier: MotoClients.fastRetrier(maxAttempts: maxAttempts))
        let result = Result { () throws(AWSError) in
            do { return try client.describeTable("t") } catch let error as AWSError { throw error } catch {
                Issue.record("not an AWSError: \(error)")
                throw AWSError(kind: .fatal, code: "NotAWSError", message: "\(error)", operation: "DescribeTable")
            }
        }
        return (result, try server.stats())
    }

    private func failure(_ result: Result<TableDescription, AWSError>) -> AWSError? {
        if case .failure(let error) = result { return error }
        Issue.record("expected a failure, got \(result)")
        return nil
    }

    @Test func requestShape_targetContentTypeAndSignature() throws {
        let (result, stats) = try describe(mode: "ok")
        #expect(try result.get().tableName == "t")
        #expect(try result.get().keySchema == [KeySchemaElement(attributeName: "PK", keyType: "HASH")])
        #expect(stats.requests == 1)
        #expect(stats.targets == ["DynamoDB_20120810.DescribeTable"])
        #expect(stats.lastHeaders["content-type"] == "application/x-amz-json-1.0")
        let authorization = stats.lastHeaders["authorization"] ?? ""
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=testing/"))
        #expect(authorization.contains("/us-east-1/dynamodb/aws4_request"))
        #expect(stats.lastHeaders["x-amz-date"] != nil)
        #expect(stats.lastHeaders["user-agent"] == "zael-aggregator")
    }

    @Test func truncatedJSON_isTransientMalformedResponse_retriedToTheLimit() throws {
        let (result, stats) = try describe(mode: "truncated")
        let error = failure(result)
        #expect(error?.kind == .transient)
        #expect(error?.code == "MalformedResponse")
        #expect(error?.attempt == 3)
        #expect(error?.requestID == "REQ0003")
        #expect(stats.requests == 3)
    }

    @Test func truncatedJSON_thenGoodAnswer_succeeds() throws {
        let (result, stats) = try describe(mode: "truncated", failures: 2)
        #expect(try result.get().tableStatus == "ACTIVE")
        #expect(stats.requests == 3)
        #expect(stats.connections == 2)  // one kept-alive connection for all attempts, plus stats
    }

    @Test func wrongTypes_isFatalUnexpectedShape_notRetried() throws {
        let (result, stats) = try describe(mode: "wrongtypes")
        let error = failure(result)
        #expect(error?.kind == .fatal)
        #expect(error?.code == "UnexpectedResponseShape")
        #expect(error?.message.contains("TableName") == true)
        #expect(stats.requests == 1)
    }

    @Test func htmlBadGateway_isTransient_retried() throws {
        let (result, stats) = try describe(mode: "html502", maxAttempts: 4)
        let error = failure(result)
        #expect(error?.kind == .transient)
        #expect(error?.code == "HTTP502")
        #expect(error?.httpStatus == 502)
        #expect(stats.requests == 4)
    }

    @Test func badCRC_isTransientCRC32Mismatch_andRecovers() throws {
        let (result, stats) = try describe(mode: "badcrc")
        let error = failure(result)
        #expect(error?.kind == .transient)
        #expect(error?.code == "CRC32Mismatch")
        #expect(stats.requests == 3)
        let (recovered, again) = try describe(mode: "badcrc", failures: 1)
        #expect(try recovered.get().tableName == "t")
        #expect(again.requests == 2)
    }

    @Test func throttling_isRetried_thenSucceeds() throws {
        let (result, stats) = try describe(mode: "throttle", failures: 2)
        #expect(try result.get().tableName == "t")
        #expect(stats.requests == 3)
        let (exhausted, all) = try describe(mode: "throttle")
        let error = failure(exhausted)
        #expect(error?.kind == .throttling)
        #expect(error?.code == "ThrottlingException")
        #expect(error?.message == "Rate of requests exceeds the allowed throughput.")
        #expect(error?.description.contains("REQ0003") == true)
        #expect(all.requests == 3)
    }

    @Test func serverError_isTransient() throws {
        let (result, stats) = try describe(mode: "internal", maxAttempts: 2)
        #expect(failure(result)?.code == "InternalServerError")
        #expect(failure(result)?.kind == .transient)
        #expect(stats.requests == 2)
    }

    @Test func expiredToken_invalidatesCredentials_andRetriesOnce() throws {
        let server = try PeerScriptServer.faultServer(mode: "expired", successBody: Self.tableBody)
        let provider = InvalidationCounter()
        let client = DynamoDBClient(
            endpoint: server.endpoint, region: "us-east-1", transport: CurlTransport(), credentials: provider,
            retrier: MotoClients.fastRetrier(maxAttempts: 5))
        let error = #expect(throws: AWSError.self) { try client.describeTable("t") }
        #expect(error?.kind == .credentials)
        #expect(error?.code == "ExpiredTokenException")
        #expect(provider.invalidations == 1)
        #expect(try server.stats().requests == 2)
    }

    @Test func conditionalFailure_isNotRetried() throws {
        let server = try PeerScriptServer.faultServer(mode: "conditional")
        let client = MotoClients.dynamoDB(server.endpoint)
        let error = #expect(throws: AWSError.self) {
            try client.putItem(PutItemInput(tableName: "t", item: MotoClients.key("a", "b")))
        }
        #expect(error?.kind == .conditional)
        #expect(try server.stats().requests == 1)
    }

    @Test func validation_isFatal_notRetried() throws {
        let (result, stats) = try describe(mode: "validation")
        #expect(failure(result)?.kind == .fatal)
        #expect(stats.requests == 1)
    }

    @Test func connectionDropped_isTransientCurlReset_retried() throws {
        let (result, stats) = try describe(mode: "reset", failures: 1)
        #expect(try result.get().tableName == "t")
        #expect(stats.requests == 2)
    }

    @Test func shutdown_interruptsTheBackoffAndTheBlockedCall() throws {
        let flag = StopLatch()
        let throttled = try PeerScriptServer.faultServer(mode: "throttle")
        let backingOff = DynamoDBClient(
            endpoint: throttled.endpoint, region: "us-east-1", transport: CurlTransport(abortFlag: flag),
            credentials: MotoClients.credentials,
            retrier: Retrier(
                policy: RetryPolicy(maxAttempts: 10, base: .seconds(20), cap: .seconds(20)), budget: RetryBudget(),
                random: { 0.5 }, sleep: { !flag.wait($0) }))
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(300)) { flag.fire() }
        var started = Date()
        let error = #expect(throws: AWSError.self) { try backingOff.describeTable("t") }
        #expect(error?.kind == .cancelled)
        #expect(Date().timeIntervalSince(started) < 5)
        // One call, then a 10 s backoff that the flag cut short.
        #expect(try throttled.stats().requests == 1)

        let hanging = try PeerScriptServer.faultServer(mode: "hang", extra: ["--hang-seconds", "20"])
        let blocked = DynamoDBClient(
            endpoint: hanging.endpoint, region: "us-east-1",
            transport: CurlTransport(configuration: .init(requestTimeout: .seconds(15)), abortFlag: flag),
            credentials: MotoClients.credentials, retrier: Retrier(abortFlag: flag))
        started = Date()
        let refused = #expect(throws: AWSError.self) { try blocked.describeTable("t") }
        #expect(refused?.kind == .cancelled)
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(try hanging.stats().requests == 0)
    }

    @Test func streamsGetRecords_malformedPage_isTransient() throws {
        let server = try PeerScriptServer.faultServer(
            mode: "truncated", successBody: #"{"Records":[],"NextShardIterator":"it"}"#)
        let streams = MotoClients.streams(server.endpoint, retrier: MotoClients.fastRetrier(maxAttempts: 2))
        let error = #expect(throws: AWSError.self) { try streams.getRecords(GetRecordsInput(shardIterator: "it")) }
        #expect(error?.kind == .transient)
        #expect(error?.code == "MalformedResponse")
        let stats = try server.stats()
        #expect(stats.requests == 2)
        #expect(stats.targets.allSatisfy { $0 == "DynamoDBStreams_20120810.GetRecords" })
    }
}

/// Counts `invalidate()` calls; always hands out the same dummy keys.
private final class InvalidationCounter: CredentialProvider, @unchecked Sendable {
    // `lock` guards `count`.
    private let lock = NSLock()
    private var count = 0
    func credentials() throws -> Credentials {
        Credentials(accessKeyID: "testing", secretAccessKey: "testing", source: "test")
    }
    func invalidate() {
        lock.lock()
        count += 1
        lock.unlock()
    }
    var invalidations: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}
