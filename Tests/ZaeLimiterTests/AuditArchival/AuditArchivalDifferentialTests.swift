import AWSCore
import AWSDynamoDB
import AWSS3
import Foundation
import Logging
import Metrics
import TestPeers
import Testing

@testable import ZaeLimiter

/// Audit archival against the Lambda's own `archive_audit_events` (zae-limiter 0.17.0), on the
/// same REMOVE records of real zae-limiter audit items deleted on a real moto server: the
/// object the duty writes to moto's S3, gunzipped, must equal the archiver's body byte for
/// byte, and its key must equal the archiver's except for the id part.
@Suite(.serialized) struct AuditArchivalDifferentialTests {
    final class RecordingStore: AuditArchiveStore {
        let inner: AuditArchiveStore?
        var objects: [(key: String, body: [UInt8])] = []
        init(inner: AuditArchiveStore?) { self.inner = inner }
        func put(key: String, body: [UInt8]) throws {
            try inner?.put(key: key, body: body)
            objects.append((key, body))
        }
    }

    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func s3Client(endpoint: String) -> S3Client {
        S3Client(
            addressing: S3Addressing(region: "us-east-1", endpointOverride: endpoint), transport: CurlTransport(),
            credentials: StaticCredentialProvider(
                Credentials(accessKeyID: "testing", secretAccessKey: "testing", source: "test")),
            retrier: Retrier(
                policy: RetryPolicy(maxAttempts: 3), budget: RetryBudget(), random: { 0 }, sleep: { _ in true }))
    }

    /// Runs a zl_audit.py command; its answer is the last line of stdout.
    static func peer(_ arguments: [String], _ moto: MotoServer) throws -> JSONValue {
        let output = try Peers.runPython(
            [Peers.script("zl_audit.py").path] + arguments, environment: moto.awsEnvironment)
        let last = output.split(separator: UInt8(ascii: "\n")).last ?? []
        return try JSONValue.parse(Array(last))
    }

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    /// The key with `{shardId}-{sequenceNumber}` replaced by the reference's request id.
    static func withReferenceID(_ key: String, shardId: String, sequenceNumber: String) -> String {
        key.replacingOccurrences(of: "audit-\(shardId)-\(sequenceNumber)-", with: "audit-REQ-")
    }

    @Test func archivedObject_matchesTheLambdasArchiver() throws {
        try #require(Peers.available, "the Python venv with zae-limiter is required (ZAEL_VENV)")
        let seed = Int(ProcessInfo.processInfo.environment["ZAEL_TEST_SEED"] ?? "") ?? 20_261_205
        print("AuditArchivalDifferentialTests seed \(seed)")
        let moto = try MotoServer()
        defer { moto.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zl-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let dump = directory.appendingPathComponent("records.json")

        let written = try Self.peer(
            ["write", "--endpoint", moto.endpoint, "--out", dump.path, "--seed", "\(seed)", "--events", "40"], moto)
        let apiEvents = Int(written["api_events"]?.numberText ?? "0") ?? 0
        try #require(apiEvents > 40)
        _ = try Self.peer(["create-bucket", "--endpoint", moto.endpoint, "--bucket", "zl-archive"], moto)

        // The daemon's path: lazily decoded records, through the record filter, one lane batch.
        let all = try GetRecordsDecoder.decode(Array(try Data(contentsOf: dump))).records
        let passed = all.filter(ZaeLimiterRecordFilter.accepts)
        let auditRemoves = passed.filter { $0.eventName == .remove }
        let store = RecordingStore(
            inner: S3AuditArchiveStore(bucket: "zl-archive", client: Self.s3Client(endpoint: moto.endpoint)))
        let duty = AuditArchivalDuty(store: store, logger: Self.logger, metricsFactory: NOOPMetricsHandler.instance)
        let shardId = "shardId-00000001700000000000-0a1b2c3d"
        try duty.perform(DutyBatch(records: passed, shardId: shardId, lane: 0, attempt: 1, nowMilliseconds: 0))
        try duty.willCheckpoint(through: passed.last!.sequenceNumber)
        try #require(store.objects.count == 1)

        let reference = try Self.peer(["reference", "--records", dump.path, "--api-events", "\(apiEvents)"], moto)
        let referenceBody = Self.bytes(hex: try #require(reference["body_hex"]?.stringValue))
        let legacy = (reference["legacy_lines_hex"]?.arrayValue ?? []).compactMap(\.stringValue).map(Self.bytes)
        try #require(legacy.count == 1)
        // The filter passed exactly the audit REMOVEs (namespaced ones, as the reference counts
        // them, and the legacy one); the entity items deleted with them stayed out.
        #expect(auditRemoves.count == (Int(reference["audit_removes"]?.numberText ?? "") ?? -1) + legacy.count)
        #expect(all.filter { $0.eventName == .remove }.count > auditRemoves.count)
        // The Lambda reports the un-namespaced key as an error; the daemon archives it (last).
        #expect(reference["errors"]?.arrayValue?.count == 1)
        let ours = try Gzip.decompress(store.objects[0].body)
        #expect(ours == referenceBody + legacy[0], "bodies differ:\n\(String(decoding: ours, as: UTF8.self))")
        let archived = Int(reference["events_archived"]?.numberText ?? "") ?? -1
        #expect(duty.statistics.eventsArchived == archived + 1)
        #expect(duty.statistics.skippedRecords == auditRemoves.count - archived - 1)
        #expect(duty.statistics.skippedRecords == 2, "no action, and an action that is not S")

        // What moto stored: the same key and body (gunzipped by Python), the Lambda's headers.
        let fetched = try Self.peer(["fetch", "--endpoint", moto.endpoint, "--bucket", "zl-archive"], moto)
        let objects = fetched.arrayValue ?? []
        try #require(objects.count == 1)
        #expect(objects[0]["key"]?.stringValue == store.objects[0].key)
        #expect(objects[0]["content_type"]?.stringValue == "application/x-ndjson")
        #expect(objects[0]["content_encoding"]?.stringValue == "gzip")
        #expect(Self.bytes(hex: objects[0]["body_hex"]?.stringValue ?? "") == ours)

        // The key: the Lambda's for the events written through zae-limiter's API (whose first is
        // the earliest, so the Lambda's date and timestamp are the first event's too).
        let apiStore = RecordingStore(inner: nil)
        let apiDuty = AuditArchivalDuty(
            store: apiStore, logger: Self.logger, metricsFactory: NOOPMetricsHandler.instance)
        let apiRecords = Array(auditRemoves.prefix(apiEvents))
        try apiDuty.perform(DutyBatch(records: apiRecords, shardId: shardId, lane: 0, attempt: 1, nowMilliseconds: 0))
        try apiDuty.willCheckpoint(through: apiRecords.last!.sequenceNumber)
        try #require(apiStore.objects.count == 1)
        #expect(
            Self.withReferenceID(
                apiStore.objects[0].key, shardId: shardId, sequenceNumber: apiRecords[0].sequenceNumber.description)
                == reference["api_only_key"]?.stringValue)
        #expect(
            try Gzip.decompress(apiStore.objects[0].body)
                == Self.bytes(hex: reference["api_only_body_hex"]?.stringValue ?? ""))
    }
}
