import Foundation
import Logging
import Testing

@testable import SystemdSupport

@Suite struct ControlEscapingTests {
    /// Text as an echoing service might send it: a terminal title sequence, a fake log line
    /// after CR/LF, a cursor move, DEL, a C1 CSI and a Unicode line separator.
    static let hostile =
        "bad\u{1B}]0;owned\u{07} line\r\n2026-01-01T00:00:00.000Z info fake: \u{1B}[2J\u{7F}\u{9B}1m\u{2028}end"

    private func record(_ message: String, metadata: [(key: String, value: String)] = []) -> LogRecord {
        LogRecord(
            level: .warning, message: message, label: "zael\u{1B}.x", metadata: metadata, source: "s", file: "f.swift",
            function: "g()", line: 7, date: Date(timeIntervalSince1970: 0))
    }

    private func controls(in text: String) -> [UInt32] {
        text.unicodeScalars.filter { ControlEscaping.isControl($0) }.map(\.value)
    }

    @Test func escaped_makesEveryControlVisible() {
        #expect(
            ControlEscaping.escaped(Self.hostile)
                == #"bad\u{1B}]0;owned\u{7} line\r\n2026-01-01T00:00:00.000Z info fake: \u{1B}[2J\u{7F}\u{9B}1m\u{2028}end"#
        )
        #expect(ControlEscaping.escaped("tab\there\u{0}") == #"tab\there\u{0}"#)
        #expect(ControlEscaping.escaped("plain é ✓ \\n") == "plain é ✓ \\n")
        #expect(ControlEscaping.escaped("a\nb\tc\u{1B}", keeping: ["\n", "\t"]) == "a\nb\tc\\u{1B}")
    }

    @Test func textLine_isOnePrintableLine_whateverTheMessageAndMetadata() {
        let line = TextLogHandler.format(
            record(Self.hostile, metadata: [("error", Self.hostile), ("k\u{1B}[1m\n", "v"), ("plain", "x\u{9B}")]))
        #expect(controls(in: line).isEmpty, "\(line.debugDescription)")
        #expect(!line.contains("\n") && !line.contains("\r"))
        #expect(
            line.hasPrefix("1970-01-01T00:00:00.000Z warning zael\\u{1B}.x: bad\\u{1B}]0;owned\\u{7} line\\r\\n2026"))
        #expect(line.contains(#" error="bad\u{1B}]0;owned\u{7} line\r\n2026-01-01T00:00:00.000Z info fake: \u{1B}[2J"#))
        #expect(line.contains(#" k\u{1B}[1m\n=v"#))
        #expect(line.hasSuffix(#" plain="x\u{9B}""#))
    }

    @Test func textLine_keepsOrdinaryTextAsBefore() {
        let line = TextLogHandler.format(record("lease lost", metadata: [("owner", "host a"), ("shard.id", "s-1")]))
        #expect(line == "1970-01-01T00:00:00.000Z warning zael\\u{1B}.x: lease lost owner=\"host a\" shard.id=s-1")
    }

    @Test func jsonLine_escapesControlsAndParsesBack() throws {
        let line = JSONLinesLogHandler.format(record(Self.hostile, metadata: [("error", Self.hostile)]))
        #expect(controls(in: line).filter { $0 != 0x2028 && $0 != 0x2029 }.isEmpty, "\(line.debugDescription)")
        #expect(line.contains(#"bad\u001b]0;owned\u0007 line\r\n2026"#))
        #expect(line.contains(#"\u007f\u009b1m"#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["message"] as? String == Self.hostile)
        #expect((object["metadata"] as? [String: String])?["error"] == Self.hostile)
    }

    @Test func journalFields_keepNewlinesButNoOtherControls() {
        let fields = JournalFields.build(record(Self.hostile, metadata: [("error", "x\u{1B}[31m\ny")]), identifier: "z")
        let message = fields.first { $0.name == "MESSAGE" }?.value ?? ""
        #expect(
            message
                == "bad\\u{1B}]0;owned\\u{7} line\\r\n2026-01-01T00:00:00.000Z info fake: \\u{1B}[2J\\u{7F}\\u{9B}1m\\u{2028}end"
        )
        #expect(fields.first { $0.name == "ERROR" }?.value == "x\\u{1B}[31m\ny")
        #expect(fields.first { $0.name == "LOGGER_LABEL" }?.value == "zael\\u{1B}.x")
        for field in fields {
            #expect(controls(in: field.value).allSatisfy { $0 == 0x0A || $0 == 0x09 }, "\(field.name)")
        }
    }

    @Test func statusLine_isOneLineWithoutRawControls() {
        #expect(NotifyMessage.status("lane 1\u{1B}[2J\r\nhalted\tnow").line == "STATUS=lane 1\\u{1B}[2J halted\\tnow")
    }
}
