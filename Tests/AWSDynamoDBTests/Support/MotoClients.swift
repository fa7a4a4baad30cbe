import AWSCore
import Foundation
import TestPeers

@testable import AWSDynamoDB

/// Clients pointed at a real moto server (or another loopback peer) with moto's dummy keys.
enum MotoClients {
    static let credentials = StaticCredentialProvider(
        Credentials(accessKeyID: "testing", secretAccessKey: "testing", source: "test"))

    static func dynamoDB(_ endpoint: String, retrier: Retrier = fastRetrier()) -> DynamoDBClient {
        DynamoDBClient(
            endpoint: endpoint, region: "us-east-1", transport: CurlTransport(), credentials: credentials,
            retrier: retrier)
    }

    static func streams(_ endpoint: String, retrier: Retrier = fastRetrier()) -> DynamoDBStreamsClient {
        DynamoDBStreamsClient(
            endpoint: endpoint, region: "us-east-1", transport: CurlTransport(), credentials: credentials,
            retrier: retrier)
    }

    /// Retries without real waiting, so fault tests run fast; attempts are still counted.
    static func fastRetrier(maxAttempts: Int = 3) -> Retrier {
        Retrier(
            policy: RetryPolicy(maxAttempts: maxAttempts), budget: RetryBudget(), random: { 0 }, sleep: { _ in true })
    }

    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8))"
    }

    /// A table with string keys PK (hash) and SK (range) and a NEW_AND_OLD_IMAGES stream.
    @discardableResult
    static func createTable(_ client: DynamoDBClient, _ name: String) throws -> TableDescription {
        try client.createTable(
            CreateTableInput(
                tableName: name,
                keySchema: [.init(attributeName: "PK", keyType: "HASH"), .init(attributeName: "SK", keyType: "RANGE")],
                attributeDefinitions: [
                    .init(attributeName: "PK", attributeType: "S"), .init(attributeName: "SK", attributeType: "S"),
                ], streamViewType: "NEW_AND_OLD_IMAGES"))
    }

    static func key(_ pk: String, _ sk: String) -> Item { ["PK": .s(pk), "SK": .s(sk)] }
}
