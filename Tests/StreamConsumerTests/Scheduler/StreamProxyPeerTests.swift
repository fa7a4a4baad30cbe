import Foundation
import TestPeers
import Testing

/// The `StreamProxy` test peer, started from Swift as the consumer tests start it.
@Suite struct StreamProxyPeerTests {
    @Test func startsModelsTheTableAndTakesCommands() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let proxy = try StreamProxy(
            upstream: moto, table: "proxied", shards: 3, rolloverEvery: 2, arguments: ["--max-readers", "2"])
        defer { proxy.stop() }
        let script = """
            import boto3
            d = boto3.client("dynamodb")
            d.create_table(TableName="proxied", BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
            for n in range(10):
                d.put_item(TableName="proxied", Item={"pk": {"S": "k%d" % (n % 4)}, "n": {"N": str(n)}})
            """
        try Peers.runPython(["-c", script], environment: proxy.awsEnvironment)
        try proxy.control(["action": "sync"])
        let model = try proxy.shards()
        #expect(model["records"] as? Int == 10)
        let shards = try #require(model["shards"] as? [[String: Any]])
        #expect(shards.count > 3)  // 10 records over 3 roots, rolled every 2 records
        #expect(shards.contains { $0["ParentShardId"] is String })

        #expect(try proxy.control(["action": "config"])["max_readers"] as? Int == 2)
        try proxy.control(["action": "fault", "api": "GetRecords", "kind": "throttle", "count": 2])
        let armed = try #require(try proxy.stats()["armed"] as? [[String: Any]])
        #expect(armed.count == 1 && armed[0]["remaining"] as? Int == 2)
        #expect(throws: PeerError.self) { try proxy.control(["action": "no-such-action"]) }
    }
}
