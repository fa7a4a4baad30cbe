import Foundation

/// One line of an sd_notify(3) datagram. Several can go in one datagram (`READY=1` + `STATUS=…`).
public enum NotifyMessage: Sendable, Equatable {
    /// `READY=1`: start-up is finished (Type=notify units leave "activating" only on this).
    case ready
    /// `STATUS=…`: a one-line status shown by `systemctl status`. Newlines become spaces, other
    /// control characters visible escapes (`ControlEscaping`).
    case status(String)
    /// `STOPPING=1`: a graceful shutdown has begun.
    case stopping
    /// `RELOADING=1` plus `MONOTONIC_USEC=` (the CLOCK_MONOTONIC time of the reload request, which
    /// Type=notify-reload on systemd ≥ 253 requires; older systemd ignores it). Send `.ready` when
    /// the reload is done.
    case reloading(monotonicMicroseconds: UInt64)
    /// `WATCHDOG=1`: the keep-alive ping for WatchdogSec=.
    case watchdog
    /// `ERRNO=…`: the errno-style reason for a failure, shown by `systemctl status`.
    case errno(Int32)

    /// `RELOADING=1` stamped with the current CLOCK_MONOTONIC time.
    public static func reloadingNow() -> NotifyMessage {
        .reloading(monotonicMicroseconds: monotonicMicroseconds())
    }

    /// The `KEY=value` line this message stands for (without a trailing newline).
    public var line: String {
        switch self {
        case .ready: return "READY=1"
        case .status(let text):
            let oneLine = text.map { $0.isNewline ? " " : String($0) }.joined()
            return "STATUS=\(ControlEscaping.escaped(oneLine))"
        case .stopping: return "STOPPING=1"
        case .reloading(let usec): return "RELOADING=1\nMONOTONIC_USEC=\(usec)"
        case .watchdog: return "WATCHDOG=1"
        case .errno(let code): return "ERRNO=\(code)"
        }
    }

    /// The datagram payload for several messages: their lines joined by newlines.
    public static func payload(_ messages: [NotifyMessage]) -> String {
        messages.map(\.line).joined(separator: "\n")
    }
}

/// CLOCK_MONOTONIC now, in microseconds (the clock systemd's MONOTONIC_USEC refers to).
func monotonicMicroseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1_000
}
