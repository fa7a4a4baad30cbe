import Foundation

/// Whether this process's stderr is the journal stream systemd connected it to.
///
/// systemd sets `$JOURNAL_STREAM` to `DEV:INODE` of the stream it hands a service; if stderr still
/// has that device and inode (not redirected by a wrapper), native journal logging is safe and
/// loses nothing.
public enum JournaldDetection {
    /// True when `journalStream` (the `$JOURNAL_STREAM` value) names the file `device`/`inode`.
    public static func matches(journalStream: String?, device: UInt64, inode: UInt64) -> Bool {
        guard let journalStream else { return false }
        let parts = journalStream.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let dev = UInt64(parts[0]), let ino = UInt64(parts[1]) else { return false }
        return dev == device && ino == inode
    }

    /// True when stderr (`fd`) is the journal stream named in `environment`.
    public static func stderrIsJournal(
        environment: [String: String] = ProcessInfo.processInfo.environment, fileDescriptor fd: Int32 = STDERR_FILENO
    ) -> Bool {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return false }
        return matches(
            journalStream: environment["JOURNAL_STREAM"], device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }
}
