import AWSDynamoDB
import Foundation
import Glibc
import MetricsTestKit
import Testing

@testable import StreamConsumer

/// The spool file's mode, append-only writes, symlink refusal, reopen and size bound.
@Suite struct SpoolFileSafetyTests {
    let directory: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    func failure(_ count: Int, shard: String = "s") -> FailedRecords {
        let records = (0..<count).map { index in
            StreamRecord(
                eventID: "e\(index)", eventName: .modify, approximateCreationDateTime: 1_800_000_000,
                keys: ["PK": .s("k\(index)")], newImage: ["v": .n("\(index)")],
                sequenceNumber: SequenceNumber("\(100 + index)")!)
        }
        return FailedRecords(
            streamArn: "arn", shardId: shard, lane: 0, reason: .retriesExhausted, attempts: 1, lastError: nil,
            records: records)
    }

    func mode(_ path: String) -> mode_t {
        var info = stat()
        _ = stat(path, &info)
        return info.st_mode & 0o777
    }

    func lines(_ path: String) -> [Substring] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
    }

    @Test func createdWithMode0600_whateverTheUmask() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/new.jsonl"
        let old = umask(0)
        defer { umask(old) }
        let destination = try SpoolFileDestination(path: path)
        try destination.send(failure(1))
        #expect(mode(path) == 0o600)
    }

    @Test func anExistingWorldReadableFile_isTightened_andAppendedTo() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/old.jsonl"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("{\"earlier\":1}\n".utf8)))
        chmod(path, 0o644)
        let destination = try SpoolFileDestination(path: path)
        try destination.send(failure(2))
        #expect(mode(path) == 0o600)
        #expect(lines(path).count == 2)
        #expect(lines(path).first == "{\"earlier\":1}")
    }

    @Test func aSymlinkAtThePath_isRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let target = directory + "/target"
        #expect(FileManager.default.createFile(atPath: target, contents: Data()))
        let link = directory + "/link.jsonl"
        symlink(target, link)
        #expect(throws: SpoolError.self) { try SpoolFileDestination(path: link) }
    }

    @Test func writesAppend_evenWhenSomeoneElseWroteMeanwhile() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/shared.jsonl"
        let destination = try SpoolFileDestination(path: path)
        try destination.send(failure(1))
        // Another writer appends through its own descriptor (as a second daemon would).
        let other = try SpoolFileDestination(path: path)
        try other.send(failure(1, shard: "other"))
        try destination.send(failure(1, shard: "third"))
        let shards = lines(path).map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["shardId"] as? String
        }
        #expect(shards == ["s", "other", "third"], "O_APPEND: no line overwrote another")
    }

    @Test func reopen_startsAFreshFileAfterRotation() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/rotated.jsonl"
        let destination = try SpoolFileDestination(path: path)
        try destination.send(failure(1))
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try destination.send(failure(1, shard: "late"))
        #expect(lines(path + ".1").count == 2, "before reopen, the rotated file still gets lines")
        try destination.reopen()
        try destination.send(failure(1, shard: "fresh"))
        #expect(lines(path).count == 1)
        #expect(lines(path).first?.contains("\"shardId\":\"fresh\"") == true)
        #expect(mode(path) == 0o600)
        #expect(destination.byteCount == lines(path).first.map { $0.utf8.count + 1 })
    }

    @Test func theSizeBound_refusesLinesBeyondIt_withoutWritingThem_andTheGaugeFollows() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/bounded.jsonl"
        let metrics = TestMetrics()
        let probe = try SpoolFileDestination(path: directory + "/probe.jsonl")
        try probe.send(failure(1))
        let oneLine = probe.byteCount
        let destination = try SpoolFileDestination(path: path, maxBytes: oneLine * 2 + 10, metricsFactory: metrics)
        try destination.send(failure(1))
        try destination.send(failure(1))
        #expect(throws: SpoolError.self) { try destination.send(failure(1)) }
        #expect(lines(path).count == 2)
        #expect(destination.sentRecordCount == 2)
        // Lines differ by a byte or two (their `recordedAt` time): the gauge is the file's size.
        #expect(try metrics.expectGauge(ConsumerMetricNames.spoolBytes).lastValue == Double(try fileSize(path)))
        // Rotation makes room again.
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try destination.reopen()
        try destination.send(failure(1))
        #expect(try metrics.expectGauge(ConsumerMetricNames.spoolBytes).lastValue == Double(try fileSize(path)))
        #expect(abs(try fileSize(path) - oneLine) <= 8)
    }

    func fileSize(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
    }
}
