import Foundation
import Logging
import Testing

@testable import SystemdSupport

@Suite struct JournalFieldsTests {
    @Test func wellKnownMetadataKeys_haveFixedFieldNames() {
        #expect(JournalFields.fieldName(forMetadataKey: "shard.id") == "SHARD_ID")
        #expect(JournalFields.fieldName(forMetadataKey: "stream.arn") == "STREAM_ARN")
        #expect(JournalFields.fieldName(forMetadataKey: "sequence.number") == "SEQUENCE_NUMBER")
        #expect(JournalFields.fieldName(forMetadataKey: "aws.request_id") == "AWS_REQUEST_ID")
        #expect(JournalFields.fieldName(forMetadataKey: "error.code") == "ERROR_CODE")
    }

    @Test func otherKeys_areUppercasedWithNonAlphanumericsAsUnderscores() {
        #expect(JournalFields.fieldName(forMetadataKey: "lease.owner") == "LEASE_OWNER")
        #expect(JournalFields.fieldName(forMetadataKey: "batch-size/lane 2") == "BATCH_SIZE_LANE_2")
        #expect(JournalFields.fieldName(forMetadataKey: "ümlaut") == "MLAUT")
    }

    @Test func namesJournaldWouldReject_areRepaired() {
        // Leading underscores are journald's trusted fields; leading digits are invalid.
        #expect(JournalFields.fieldName(forMetadataKey: "_pid") == "PID")
        #expect(JournalFields.fieldName(forMetadataKey: "3d.view") == "D_VIEW")
        #expect(JournalFields.fieldName(forMetadataKey: "...") == nil)
        #expect(JournalFields.fieldName(forMetadataKey: String(repeating: "a", count: 100))?.count == 64)
    }

    @Test func metadataCannotOverwriteOurOwnFields() {
        #expect(JournalFields.fieldName(forMetadataKey: "message") == "META_MESSAGE")
        #expect(JournalFields.fieldName(forMetadataKey: "priority") == "META_PRIORITY")
    }

    @Test func priorities_followSyslog() {
        #expect(JournalFields.priority(for: .trace) == 7)
        #expect(JournalFields.priority(for: .debug) == 7)
        #expect(JournalFields.priority(for: .info) == 6)
        #expect(JournalFields.priority(for: .notice) == 5)
        #expect(JournalFields.priority(for: .warning) == 4)
        #expect(JournalFields.priority(for: .error) == 3)
        #expect(JournalFields.priority(for: .critical) == 2)
    }

    @Test func build_producesMessagePriorityIdentifierLocationAndMetadata() {
        let record = LogRecord(
            level: .warning, message: "lease lost\nsecond line", label: "zael.lease",
            metadata: [("shard.id", "shardId-00001"), ("lease.owner", "host-b")],
            source: "StreamConsumer", file: "StreamConsumer/LeaseCoordinator.swift", function: "renew()", line: 42)
        let fields = JournalFields.build(record, identifier: "zael-aggregator")
        #expect(
            fields.map(\.name) == [
                "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "LOGGER_LABEL",
                "SHARD_ID", "LEASE_OWNER",
            ])
        let values = Dictionary(fields.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(values["MESSAGE"] == "lease lost\nsecond line")
        #expect(values["PRIORITY"] == "4")
        #expect(values["SYSLOG_IDENTIFIER"] == "zael-aggregator")
        #expect(values["CODE_LINE"] == "42")
        #expect(values["SHARD_ID"] == "shardId-00001")
        #expect(values["LEASE_OWNER"] == "host-b")
    }

    @Test func detection_matchesOnlyTheSameDeviceAndInode() {
        #expect(JournaldDetection.matches(journalStream: "8:12345", device: 8, inode: 12345))
        #expect(!JournaldDetection.matches(journalStream: "8:12345", device: 8, inode: 12346))
        #expect(!JournaldDetection.matches(journalStream: nil, device: 8, inode: 12345))
        #expect(!JournaldDetection.matches(journalStream: "garbage", device: 8, inode: 12345))
    }

    @Test func detection_readsTheFileDescriptorsIdentity() throws {
        let pipe = Pipe()
        let fd = pipe.fileHandleForWriting.fileDescriptor
        var info = stat()
        #expect(fstat(fd, &info) == 0)
        let stream = "\(info.st_dev):\(info.st_ino)"
        #expect(JournaldDetection.stderrIsJournal(environment: ["JOURNAL_STREAM": stream], fileDescriptor: fd))
        #expect(!JournaldDetection.stderrIsJournal(environment: ["JOURNAL_STREAM": "1:1"], fileDescriptor: fd))
        #expect(!JournaldDetection.stderrIsJournal(environment: [:], fileDescriptor: fd))
    }

    @Test func autoFormat_choosesJournaldOnlyUnderJournald() {
        #expect(LoggingBootstrap.resolve(.auto, stderrIsJournal: true) == .journald)
        #expect(LoggingBootstrap.resolve(.auto, stderrIsJournal: false) == .text)
        #expect(LoggingBootstrap.resolve(.json, stderrIsJournal: true) == .json)
    }
}
