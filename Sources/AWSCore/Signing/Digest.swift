import COpenSSL
import Foundation

/// SHA-256 and HMAC-SHA256 over OpenSSL's libcrypto, plus the lowercase hex SigV4 prints them in.
///
/// Thread-safe; every call is one-shot. SHA-256 is fetched from OpenSSL once per process and HMAC
/// is computed from its definition over it (see `COpenSSL/shim.h`): OpenSSL 3 otherwise looks
/// the algorithms up again in every call (a lock and a method-store search each time).
public enum Digest {
    /// SHA-256 of `bytes` (32 bytes).
    public static func sha256(_ bytes: some ContiguousBytes) -> [UInt8] {
        digest(bytes) { zael_sha256($0.baseAddress, $0.count, $1) }
    }

    /// HMAC-SHA256 of `data` under `key` (32 bytes).
    public static func hmacSHA256(key: some ContiguousBytes, data: some ContiguousBytes) -> [UInt8] {
        hmac(key, data) { zael_hmac_sha256($0.baseAddress, $0.count, $1.baseAddress, $1.count, $2) }
    }

    /// HMAC-SHA256 by OpenSSL's one-shot `HMAC()`, which resolves its algorithms on every call:
    /// the reference `hmacSHA256` is tested and benchmarked against (`Benchmarks signing`).
    public static func referenceHMACSHA256(key: some ContiguousBytes, data: some ContiguousBytes) -> [UInt8] {
        hmac(key, data) { zael_reference_hmac_sha256($0.baseAddress, $0.count, $1.baseAddress, $1.count, $2) }
    }

    /// SHA-256 through `EVP_sha256()`, resolved on every call: the reference `sha256` is
    /// benchmarked against.
    public static func referenceSHA256(_ bytes: some ContiguousBytes) -> [UInt8] {
        digest(bytes) { zael_reference_sha256($0.baseAddress, $0.count, $1) }
    }

    private static func digest(
        _ bytes: some ContiguousBytes, _ compute: (UnsafeRawBufferPointer, UnsafeMutablePointer<UInt8>?) -> Int32
    ) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let ok = bytes.withUnsafeBytes { input in out.withUnsafeMutableBufferPointer { compute(input, $0.baseAddress) }
        }
        // libcrypto fails here only if it is unusable (no SHA-256 at all): nothing could be signed.
        precondition(ok == 1, "libcrypto SHA-256 failed")
        return out
    }

    private static func hmac(
        _ key: some ContiguousBytes, _ data: some ContiguousBytes,
        _ compute: (UnsafeRawBufferPointer, UnsafeRawBufferPointer, UnsafeMutablePointer<UInt8>?) -> Int32
    ) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let ok = key.withUnsafeBytes { k in
            data.withUnsafeBytes { d in out.withUnsafeMutableBufferPointer { compute(k, d, $0.baseAddress) } }
        }
        precondition(ok == 1, "libcrypto HMAC-SHA256 failed")
        return out
    }

    /// Appends the lowercase hex of `bytes` to `out`.
    static func appendHex(_ bytes: [UInt8], to out: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        digits.withUTF8Buffer { table in
            out.reserveCapacity(out.count + bytes.count * 2)
            for byte in bytes {
                out.append(table[Int(byte >> 4)])
                out.append(table[Int(byte & 0x0F)])
            }
        }
    }

    /// Lowercase hex of `bytes`, built from a table (no `String(format:)`, which is slow).
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            digits.withUTF8Buffer { table in
                var i = 0
                for byte in bytes {
                    buffer[i] = table[Int(byte >> 4)]
                    buffer[i + 1] = table[Int(byte & 0x0F)]
                    i += 2
                }
            }
            return bytes.count * 2
        }
    }
}
