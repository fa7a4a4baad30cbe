import CZlib

/// Whole-buffer gzip (RFC 1952) through zlib, as Python's `gzip.compress` / `gzip.decompress`.
public enum Gzip {
    /// A zlib failure (a negative zlib status); never a crash.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var status: Int32
        public var operation: String
        public var description: String { "gzip \(operation) failed (zlib status \(status))" }
    }

    /// One gzip member of `bytes` at `level` (0–9; default 9, as Python's `gzip.compress`), with
    /// mtime 0 so that equal input gives equal output.
    public static func compress(_ bytes: [UInt8], level: Int32 = 9) throws(Failure) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: zael_gzip_bound(bytes.count))
        var written = out.count
        let status = bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBufferPointer { output in
                zael_gzip_compress(input.baseAddress, input.count, output.baseAddress, &written, level)
            }
        }
        guard status == Z_OK else { throw Failure(status: status, operation: "compress") }
        out.removeSubrange(written...)
        return out
    }

    /// The content of one gzip member (trailing bytes after it are an error). `limit` bounds the
    /// output, so a hostile input cannot exhaust memory.
    public static func decompress(_ bytes: [UInt8], limit: Int = 256 << 20) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let status: Int32 = bytes.withUnsafeBytes { input in
            var status = zael_gunzip_begin(&stream, input.baseAddress, input.count)
            guard status == Z_OK else { return status }
            defer { zael_gunzip_end(&stream) }
            while true {
                var produced = 0
                status = chunk.withUnsafeMutableBufferPointer { buffer in
                    zael_gunzip_step(&stream, buffer.baseAddress, buffer.count, &produced)
                }
                out += chunk[..<produced]
                if out.count > limit { return Z_BUF_ERROR }
                if status == Z_STREAM_END { return zael_gunzip_remaining(&stream) == 0 ? Z_OK : Z_DATA_ERROR }
                if status != Z_OK { return status == Z_BUF_ERROR ? Z_DATA_ERROR : status }
            }
        }
        guard status == Z_OK else { throw Failure(status: status, operation: "decompress") }
        return out
    }
}
