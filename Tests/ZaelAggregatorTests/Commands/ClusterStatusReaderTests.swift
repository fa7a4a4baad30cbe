import Foundation
import Testing

@testable import ZaelAggregator

@Suite struct ClusterStatusReaderTests {
    private func configFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "/zael-cluster-\(UUID().uuidString.prefix(8)).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func readsTheLeaseTableAndEndpointFromTheConfiguration() throws {
        let path = try configFile(
            "[aws]\nregion = \"eu-west-1\"\nendpoint = \"http://127.0.0.1:9\"\n[table]\nname = \"rate-limits\"\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try ClusterStatusReader(
            configPath: path, leaseTable: nil, table: nil, endpoint: nil, region: nil, environment: [:])
        #expect(reader.leaseTable == "rate-limits-zael-leases")
        #expect(reader.table == "rate-limits")
        #expect(reader.configuration.aws.endpoint == "http://127.0.0.1:9")
        #expect(reader.configuration.aws.region == "eu-west-1")
    }

    @Test func flagsWinOverTheConfiguration() throws {
        let path = try configFile("[table]\nname = \"rate-limits\"\n[leases]\ntable = \"custom\"\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try ClusterStatusReader(
            configPath: path, leaseTable: "other", table: nil, endpoint: "http://127.0.0.1:8", region: "us-east-2",
            environment: [:])
        #expect(reader.leaseTable == "other")
        #expect(reader.configuration.aws.endpoint == "http://127.0.0.1:8")
        #expect(reader.configuration.aws.region == "us-east-2")
    }

    @Test func withoutAConfigurationTheTableNamesTheLeaseTable() throws {
        let reader = try ClusterStatusReader(
            configPath: nil, leaseTable: nil, table: "zl", endpoint: nil, region: nil, environment: [:])
        #expect(reader.leaseTable == "zl-zael-leases")
        #expect(reader.table == "zl")
        #expect(throws: ConfigurationError.self) {
            try ClusterStatusReader(
                configPath: nil, leaseTable: nil, table: nil, endpoint: nil, region: nil, environment: [:])
        }
    }
}
