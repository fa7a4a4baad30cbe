import Foundation

/// Writes whole lines to a file descriptor (stderr by default) under one lock, so lines from
/// different threads never interleave.
public final class StderrWriter: @unchecked Sendable {
    /// The writer for this process's stderr.
    public static let standardError = StderrWriter(fileDescriptor: STDERR_FILENO)

    private let fd: Int32
    private let lock = NSLock()  // serialises write(2) calls on `fd`

    public init(fileDescriptor: Int32) {
        fd = fileDescriptor
    }

    /// Writes `line` plus a newline; retries short writes and EINTR, drops the rest on other errors
    /// (there is nowhere left to report a failing stderr).
    public func writeLine(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        lock.withLock {
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if n > 0 {
                        offset += n
                    } else if n < 0 && errno == EINTR {
                        continue
                    } else {
                        return
                    }
                }
            }
        }
    }
}
