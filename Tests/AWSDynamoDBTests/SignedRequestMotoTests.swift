import AWSCore
import Foundation
import TestPeers
import Testing

@testable import AWSDynamoDB

/// Requests signed by `SigV4Signer` and sent by `CurlTransport` (the headers libcurl really puts
/// on the wire) are accepted by a moto server that verifies signatures, and a wrong secret is
/// rejected.
@Suite struct SignedRequestMotoTests {
    @Test func signedCalls_areAccepted_andAWrongSecretIsRejected() throws {
        let keysFile = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: keysFile) }
        let server = try PeerScriptServer(script: "moto_with_auth.py", arguments: ["--keys-file", keysFile.path])
        let keys = try JSONValue.parse(Array(Data(contentsOf: keysFile)))
        let credentials = StaticCredentialProvider(
            Credentials(
                accessKeyID: try #require(keys["AccessKeyId"]?.stringValue),
                secretAccessKey: try #require(keys["SecretAccessKey"]?.stringValue), source: "test"))

        let client = DynamoDBClient(
            endpoint: server.endpoint, region: "us-east-1", transport: CurlTransport(), credentials: credentials,
            retrier: MotoClients.fastRetrier())
        let table = MotoClients.uniqueName("signed")
        let arn = try #require(try MotoClients.createTable(client, table).latestStreamArn)
        let item = MotoClients.key("P", "S").merging(["text": .s("ünïcödé / + = & ?")]) { $1 }
        _ = try client.putItem(PutItemInput(tableName: table, item: item))
        #expect(try client.getItem(GetItemInput(tableName: table, key: MotoClients.key("P", "S"))) == item)

        let streams = DynamoDBStreamsClient(
            endpoint: server.endpoint, region: "us-east-1", transport: CurlTransport(), credentials: credentials,
            retrier: MotoClients.fastRetrier())
        #expect(try streams.describeStream(DescribeStreamInput(streamArn: arn)).shards.count == 1)

        let wrong = StaticCredentialProvider(
            Credentials(
                accessKeyID: try #require(keys["AccessKeyId"]?.stringValue), secretAccessKey: "not-the-secret",
                source: "test"))
        let rejected = DynamoDBClient(
            endpoint: server.endpoint, region: "us-east-1", transport: CurlTransport(), credentials: wrong,
            retrier: MotoClients.fastRetrier())
        let error = #expect(throws: AWSError.self) { try rejected.describeTable(table) }
        // moto answers a bad signature with an XML 403 (AWS sends InvalidSignatureException).
        #expect(error?.httpStatus == 403)
        #expect(error?.kind == .fatal)
    }
}
