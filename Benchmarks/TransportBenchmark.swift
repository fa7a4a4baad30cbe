import AWSCore
import AWSDynamoDB
import Foundation

/// AWS call overhead: CRC-32 of a 1.2 MB page, and sequential GetItem calls against a local
/// endpoint with one kept-alive `CurlTransport` versus a new transport (so a new TCP connection)
/// per call.
///
/// Options: `--endpoint URL` (the call part is skipped without it), `--calls N` (default 300),
/// `--moto` (create a table and an item first, for a moto server; without it the endpoint is
/// expected to answer any call with `{}`, as Tests/peers/fault_server.py does).
enum TransportBenchmark {
    static func run(arguments: [String]) throws {
        var endpoint: String?
        var calls = 300
        var moto = false
        var index = 0
        while index < arguments.count {
            if arguments[index] == "--moto" {
                moto = true
                index += 1
                continue
            }
            guard index + 1 < arguments.count else { break }
            switch arguments[index] {
            case "--endpoint": endpoint = arguments[index + 1]
            case "--calls": calls = Int(arguments[index + 1]) ?? calls
            default: break
            }
            index += 2
        }
        crc()
        if let endpoint { try getItems(endpoint: endpoint, calls: calls, moto: moto) }
    }

    private static func crc() {
        let page = (0..<1_200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var sink: UInt32 = 0
        let rounds = 50
        let started = Date()
        for _ in 0..<rounds { sink &+= CRC32.checksum(page) }
        let seconds = Date().timeIntervalSince(started)
        print(
            String(
                format: "CRC32 of 1.2 MB: %.2f ms per page, %.0f MB/s (check %08x)", seconds / Double(rounds) * 1000,
                Double(page.count * rounds) / seconds / 1e6, sink))
    }

    private static func getItems(endpoint: String, calls: Int, moto: Bool) throws {
        let credentials = StaticCredentialProvider(
            Credentials(accessKeyID: "testing", secretAccessKey: "testing", source: "benchmark"))
        func client(_ transport: CurlTransport) -> DynamoDBClient {
            DynamoDBClient(
                endpoint: endpoint, region: "us-east-1", transport: transport, credentials: credentials,
                retrier: Retrier(policy: .none, abortFlag: nil))
        }
        let table = "bench-\(UUID().uuidString.prefix(8))"
        if moto {
            let setup = client(CurlTransport())
            _ = try setup.createTable(
                CreateTableInput(
                    tableName: table, keySchema: [.init(attributeName: "PK", keyType: "HASH")],
                    attributeDefinitions: [.init(attributeName: "PK", attributeType: "S")]))
            _ = try setup.putItem(PutItemInput(tableName: table, item: ["PK": .s("k"), "v": .n("1")]))
        }
        let input = GetItemInput(tableName: table, key: ["PK": .s("k")])

        let keptAlive = client(CurlTransport())
        let warm = Date()
        for _ in 0..<calls { _ = try keptAlive.getItem(input) }
        let keepAliveSeconds = Date().timeIntervalSince(warm)

        let cold = Date()
        for _ in 0..<calls { _ = try client(CurlTransport()).getItem(input) }
        let newConnectionSeconds = Date().timeIntervalSince(cold)

        for (name, seconds) in [
            ("one kept-alive connection", keepAliveSeconds), ("new connection per call", newConnectionSeconds),
        ] {
            print(
                String(
                    format: "GetItem x%d, %@: %.3f ms per call, %.0f calls/s", calls, name,
                    seconds / Double(calls) * 1000, Double(calls) / seconds))
        }
    }
}
