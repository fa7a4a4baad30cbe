import Foundation
import TestPeers
import Testing

@testable import ZaelAggregator

/// The built `zael-aggregator` executable, run as a process: exit statuses, stderr, and the
/// sd_notify messages it sends through libsystemd when $NOTIFY_SOCKET is set.
@Suite struct ExecutableTests {
    /// The executable beside this test bundle (`swift build --build-tests` builds both).
    static let executable: URL = {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return testBinary.deletingLastPathComponent().appendingPathComponent("zael-aggregator")
    }()

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        // A clean environment: no inherited ZAEL_* overrides, no NOTIFY_SOCKET, no JOURNAL_STREAM.
        process.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { _, new in new }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    private func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "/zael-exec-\(UUID().uuidString).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func badConfiguration_exits78_withTheProblemOnStderr_andNotifiesStatus() throws {
        let path = try write("[table]\nname = \"rate-limits\"\n[consumer]\nbatchsize = 5\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let receiver = try NotifyReceiver()
        let result = try run(["run", "--config", path], environment: ["NOTIFY_SOCKET": receiver.address])
        #expect(result.status == 78)
        #expect(result.stderr.contains("\(path): unknown key consumer.batchsize at line 4 (did you mean batch_size?)"))
        #expect(receiver.drain() == ["STATUS=configuration invalid: 1 problem(s) in \(path)"])
    }

    /// Environment for a run against a loopback moto server: dummy keys, and instance metadata off
    /// so that nothing reaches for a link-local address.
    static func awsEnvironment(_ moto: MotoServer) -> [String: String] {
        [
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": moto.endpoint,
        ]
    }

    @Test func missingTable_exits78_namingTheTable_andNeverClaimsReadiness() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let path = try write("[table]\nname = \"no-such-table\"\n[logging]\nformat = \"json\"\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let receiver = try NotifyReceiver()
        var environment = Self.awsEnvironment(moto)
        environment["NOTIFY_SOCKET"] = receiver.address
        let result = try run(["run", "--config", path], environment: environment)
        #expect(result.status == 78)
        #expect(result.stderr.contains("ResourceNotFoundException"))
        #expect(result.stderr.contains("cannot describe the stream"))
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.allSatisfy { $0.hasPrefix("{\"timestamp\":") })  // logging.format = json took effect
        let messages = receiver.drain()
        #expect(messages.last?.hasPrefix("STATUS=failed: cannot describe the stream") == true)
        #expect(!messages.contains { $0.contains("READY=1") })
    }

    @Test func watchdogInterval_comesFromSystemdsEnvironment() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let path = try write("[table]\nname = \"rate-limits\"\n[logging]\nformat = \"json\"\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        func interval(_ environment: [String: String]) throws -> String? {
            let result = try run(
                ["run", "--config", path], environment: Self.awsEnvironment(moto).merging(environment) { $1 })
            let first = try #require(result.stderr.split(separator: "\n").first)
            let object = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
            return (object?["metadata"] as? [String: String])?["watchdog.interval"]
        }
        #expect(try interval(["WATCHDOG_USEC": "30000000"]) == "30.0 seconds")
        #expect(try interval([:]) == "off")
        // WATCHDOG_PID names another process: the watchdog is not ours (sd_watchdog_enabled).
        #expect(try interval(["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]) == "off")
    }

    @Test func checkConfig_exitStatuses() throws {
        let good = try write("[table]\nname = \"rate-limits\"\n")
        let bad = try write("[table]\nname = 5\n")
        defer {
            try? FileManager.default.removeItem(atPath: good)
            try? FileManager.default.removeItem(atPath: bad)
        }
        let ok = try run(["check-config", good, "--set", "consumer.batch_size=7"])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("batch_size = 7  # command line --set consumer.batch_size"))
        let failed = try run(["check-config", bad], environment: ["ZAEL_CONSUMER_BATCH_SIZE": "x"])
        #expect(failed.status == 78)
        #expect(failed.stdout == "")
        #expect(failed.stderr.contains("\(bad): table.name at line 2: expected a string, found an integer (5)"))
        #expect(
            failed.stderr.contains(
                "environment variable ZAEL_CONSUMER_BATCH_SIZE: consumer.batch_size: expected an integer"))
    }

    @Test func version_andUsageErrors() throws {
        let version = try run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout == "\(Version.current)\n")
        let usage = try run(["run"])  // --config is required
        #expect(usage.status == 64)
        #expect(usage.stderr.contains("--config"))
        let malformed = try run(["check-config", "x.toml", "--set", "nokey"])
        #expect(malformed.status == 64)
    }

    /// An explicit `aws.profile` that assumes a role is refused at start (exit 78) instead of the
    /// chain falling through to other credentials (before: retried, then exit 69).
    @Test func roleProfile_exits78_insteadOfFallingThrough() throws {
        let home = NSTemporaryDirectory() + "zael-home-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: home) }
        try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
        try "[profile assumer]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = default\n".write(
            toFile: home + "/.aws/config", atomically: true, encoding: .utf8)
        let path = try write(
            "[aws]\nprofile = \"assumer\"\nregion = \"us-east-1\"\nendpoint = \"http://127.0.0.1:9\"\n"
                + "[table]\nname = \"rate-limits\"\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try run(
            ["run", "--config", path], environment: ["HOME": home, "AWS_EC2_METADATA_DISABLED": "true"])
        #expect(result.status == 78)
        #expect(result.stderr.contains("UnsupportedProfile"))
        #expect(result.stderr.contains("role_arn"))
    }
}
