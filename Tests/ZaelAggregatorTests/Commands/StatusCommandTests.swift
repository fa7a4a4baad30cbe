import Foundation
import Logging
import Observability
import Testing

@testable import ZaelAggregator

@Suite struct StatusCommandTests {
    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "/zael-status-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func locator_readsTheInstanceConfigAsTheUnitWouldRunIt() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "[table]\nname = \"rate-limits\"\n".write(toFile: "\(root)/eu.toml", atomically: true, encoding: .utf8)
        try "[table]\nname = \"rate-limits\"\n[status]\nsocket = \"/srv/s.sock\"\n".write(
            toFile: "\(root)/us.toml", atomically: true, encoding: .utf8)
        let locator = StatusSocketLocator(configDirectory: root, runDirectory: "/run/zael-aggregator", environment: [:])
        #expect(try locator.resolve(name: "eu", socket: nil, config: nil) == "/run/zael-aggregator/eu/status.sock")
        #expect(try locator.resolve(name: "us", socket: nil, config: nil) == "/srv/s.sock")
        #expect(try locator.resolve(name: "eu", socket: "/x.sock", config: nil) == "/x.sock")
        #expect(try locator.resolve(name: "gone", socket: nil, config: nil) == "/run/zael-aggregator/gone/status.sock")
    }

    @Test func locator_withoutName_picksTheOnlyRunningInstance() throws {
        let run = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: run) }
        let locator = StatusSocketLocator(configDirectory: "/nonexistent", runDirectory: run, environment: [:])
        #expect(throws: StatusSocketLocator.Failure.noInstance(runDirectory: run)) {
            try locator.resolve(name: nil, socket: nil, config: nil)
        }
        for name in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: "\(run)/\(name)", withIntermediateDirectories: true)
        }
        _ = FileManager.default.createFile(atPath: "\(run)/b/status.sock", contents: nil)
        #expect(try locator.resolve(name: nil, socket: nil, config: nil) == "\(run)/b/status.sock")
        _ = FileManager.default.createFile(atPath: "\(run)/a/status.sock", contents: nil)
        #expect(throws: StatusSocketLocator.Failure.severalInstances(["a", "b"])) {
            try locator.resolve(name: nil, socket: nil, config: nil)
        }
    }

    @Test func status_readsARealStatusSocket() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/status.sock"
        let snapshot = StatusSnapshot(
            workerId: "host-a-abc123", host: "host-a", version: "0.1.0",
            startedAt: Date(timeIntervalSince1970: 1_767_225_600),
            uptimeSeconds: 60, config: ConfigMasking.masked([("consumer.batch_size", "100")]),
            shards: [
                ShardStatus(
                    shardId: "shardId-00000001", owner: "host-a-abc123", state: .processing, checkpoint: "49600",
                    iteratorAgeSeconds: 1.5, recordsPerSecond: 12, retries: 0, lastError: nil)
            ],
            totals: .init(
                recordsProcessed: 10, recordsPerSecond: 1, batches: 2, snapshotWrites: 3, errors: 0, retries: 0,
                leasesOwned: 1))
        let server = try StatusServer(path: path, logger: Logger(label: "test")) { snapshot }
        server.start()
        defer { server.stop() }

        let table = try ExecutableTests().run(["status", "--socket", path])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("worker host-a-abc123 on host-a"))
        #expect(table.stdout.contains("shardId-00000001"))

        let json = try ExecutableTests().run(["status", "--socket", path, "--json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["workerId"] as? String == "host-a-abc123")
    }

    @Test func status_ofAnInstanceThatIsNotRunning_exits69() throws {
        let result = try ExecutableTests().run(["status", "--socket", "/nonexistent/status.sock"])
        #expect(result.status == 69)
        #expect(result.stderr.contains("cannot read /nonexistent/status.sock"))
    }
}
