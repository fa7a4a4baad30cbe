import Foundation
import Logging
import Testing

@testable import SystemdSupport

/// Captures what a handler writes, through a real pipe.
private final class CapturedStream: @unchecked Sendable {
    let pipe = Pipe()
    lazy var writer = StderrWriter(fileDescriptor: pipe.fileHandleForWriting.fileDescriptor)

    func lines() -> [String] {
        try? pipe.fileHandleForWriting.close()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

@Suite struct LogHandlerTests {
    @Test func textHandler_writesLevelLabelMessageAndQuotedMetadata() {
        let stream = CapturedStream()
        let control = LogLevelControl(.info)
        var logger = Logger(label: "zael.lease") {
            TextLogHandler(label: $0, levelControl: control, writer: stream.writer)
        }
        logger[metadataKey: "shard.id"] = "shardId-1"
        logger.warning("lease lost", metadata: ["lease.owner": "host a"])
        logger.debug("dropped: below info")
        let lines = stream.lines()
        #expect(lines.count == 1)
        let line = lines.first ?? ""
        #expect(line.hasSuffix(" warning zael.lease: lease lost lease.owner=\"host a\" shard.id=shardId-1"))
        #expect(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "#, options: .regularExpression) != nil)
    }

    @Test func jsonHandler_writesOneParseableObjectPerLine() throws {
        let stream = CapturedStream()
        let logger = Logger(label: "zael") {
            JSONLinesLogHandler(label: $0, levelControl: LogLevelControl(.trace), writer: stream.writer)
        }
        logger.error("bad \"record\"\n\tnext\u{01}", metadata: ["sequence.number": "000123", "nested": ["a", "b"]])
        let lines = stream.lines()
        #expect(lines.count == 1)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["message"] as? String == "bad \"record\"\n\tnext\u{01}")
        #expect(object["level"] as? String == "error")
        let metadata = try #require(object["metadata"] as? [String: String])
        #expect(metadata == ["nested": "[a, b]", "sequence.number": "000123"])
    }

    @Test func levelControl_changesExistingLoggers_unlessALoggerSetItsOwnLevel() {
        let stream = CapturedStream()
        let control = LogLevelControl(.warning)
        let follower = Logger(label: "f") { TextLogHandler(label: $0, levelControl: control, writer: stream.writer) }
        var pinned = Logger(label: "p") { TextLogHandler(label: $0, levelControl: control, writer: stream.writer) }
        pinned.logLevel = .error
        follower.info("one")  // below warning: dropped
        control.level = .debug  // SIGHUP reload of logging.level
        follower.info("two")
        pinned.warning("three")  // pinned at error: dropped
        #expect(follower.logLevel == .debug)
        #expect(stream.lines().map { $0.components(separatedBy: ": ").last ?? "" } == ["two"])
    }

    @Test func journaldHandler_writesTextWhenTheJournalIsUnreachable() {
        // libsystemd drops entries silently when journald's socket is missing; we must not.
        let stream = CapturedStream()
        let logger = Logger(label: "zael") {
            JournaldLogHandler(
                label: $0, identifier: "zael-test", levelControl: LogLevelControl(.info), fallback: stream.writer,
                journalAvailable: false)
        }
        logger.info("kept", metadata: ["shard.id": "s-1"])
        #expect(stream.lines().first?.hasSuffix("info zael: kept shard.id=s-1") == true)
    }
}
