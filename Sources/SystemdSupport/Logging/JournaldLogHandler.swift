import CSystemd
import Foundation
import Logging

/// Logs natively to journald with `sd_journal_sendv`, so metadata becomes searchable journal
/// fields (`journalctl SHARD_ID=shardId-…`). Use it when `JournaldDetection` says stderr is
/// connected to the journal. Lines go to stderr as text instead of being lost when journald's socket
/// is missing (libsystemd drops entries silently then) or a send fails.
public struct JournaldLogHandler: StatefulLogHandler {
    /// journald's native socket.
    public static let journalSocketPath = "/run/systemd/journal/socket"

    private let label: String
    private let identifier: String
    private let fallback: StderrWriter
    private let journalAvailable: Bool
    var state: HandlerState

    /// - Parameters:
    ///   - identifier: `SYSLOG_IDENTIFIER`, e.g. `zael-aggregator`.
    ///   - journalAvailable: whether journald's socket exists (checked once, at creation).
    public init(
        label: String, identifier: String, levelControl: LogLevelControl, fallback: StderrWriter = .standardError,
        journalAvailable: Bool = access(JournaldLogHandler.journalSocketPath, F_OK) == 0
    ) {
        self.label = label
        self.identifier = identifier
        self.fallback = fallback
        self.journalAvailable = journalAvailable
        state = HandlerState(control: levelControl)
    }

    public func log(event: LogEvent) {
        let record = state.record(for: event, label: label)
        let fields = JournalFields.build(record, identifier: identifier)
        if !journalAvailable || Self.send(fields) != 0 {
            fallback.writeLine(TextLogHandler.format(record))
        }
    }

    /// Sends one entry; returns sd_journal_sendv's result (0 or a negative errno).
    static func send(_ fields: [(name: String, value: String)]) -> Int32 {
        // Each field is "NAME=value" as raw bytes; sd_journal_sendv copes with newlines in values.
        let buffers = fields.map { Array("\($0.name)=\($0.value)".utf8) }
        return withIOVecs(buffers) { iovecs in
            zael_sd_journal_sendv(iovecs.baseAddress, Int32(iovecs.count))
        }
    }

    private static func withIOVecs<R>(_ buffers: [[UInt8]], _ body: (UnsafeBufferPointer<iovec>) -> R) -> R {
        // Copy into one contiguous allocation whose lifetime spans the call.
        let total = buffers.reduce(0) { $0 + $1.count }
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 1), alignment: 1)
        defer { storage.deallocate() }
        var iovecs: [iovec] = []
        iovecs.reserveCapacity(buffers.count)
        var offset = 0
        for buffer in buffers {
            let base = storage.baseAddress! + offset
            buffer.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            iovecs.append(iovec(iov_base: base, iov_len: buffer.count))
            offset += buffer.count
        }
        return iovecs.withUnsafeBufferPointer(body)
    }
}
