import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The line protocol every probe speaks on standard output, read by `measure`:
/// `READY` once the probe has done its first useful work, `STAT key=value` for measurements the
/// probe takes itself, `IDLE` when it is done and waits for SIGTERM, `STOP name` as each service
/// stops (lifecycle probes) and `EXIT` as it returns.
public enum Probe {
    /// Writes one protocol line unbuffered, so the reader sees it at once.
    public static func emit(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    /// Reports one measurement.
    public static func stat(_ key: String, _ value: String) { emit("STAT \(key)=\(value)") }

    /// Nanoseconds on the monotonic clock.
    public static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// The median of `values` (the lower middle one for an even count).
    public static func median(_ values: [UInt64]) -> UInt64 {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[(sorted.count - 1) / 2]
    }

    /// Says `IDLE` and sleeps until SIGTERM's default action ends the process.
    public static func idleUntilTerminated() -> Never {
        signal(SIGTERM, SIG_DFL)
        emit("IDLE")
        while true { pause() }
    }

    /// The file at `path` as text, or exit 2 with one line.
    public static func readText(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            emit("ERROR cannot read \(path)")
            exit(2)
        }
        return text
    }
}
