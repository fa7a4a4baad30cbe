/// Standard base64 (RFC 4648 §4, with `=` padding), as the AWS JSON protocol uses for blobs.
///
/// Decoding is strict: length a multiple of 4, padding only at the end, no whitespace or other
/// bytes outside the alphabet. Unused low bits of the last quantum are ignored, as most decoders
/// (Foundation's included) do.
public enum Base64 {
    @usableFromInline static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// 0…63 for alphabet bytes, 0xFF for everything else.
    @usableFromInline static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// The padded base64 text of `bytes`.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        alphabet.withUnsafeBufferPointer { abc in
            var i = 0
            while i + 3 <= bytes.count {
                let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                out.append(abc[Int(n >> 18)])
                out.append(abc[Int(n >> 12 & 63)])
                out.append(abc[Int(n >> 6 & 63)])
                out.append(abc[Int(n & 63)])
                i += 3
            }
            let rest = bytes.count - i
            if rest > 0 {
                let n = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
                out.append(abc[Int(n >> 18)])
                out.append(abc[Int(n >> 12 & 63)])
                out.append(rest == 2 ? abc[Int(n >> 6 & 63)] : UInt8(ascii: "="))
                out.append(UInt8(ascii: "="))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes `text` encodes, or nil if it is not strict padded base64.
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode($0) }
    }

    /// The bytes `text` encodes, or nil if it is not strict padded base64.
    public static func decode(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let count = text.count
        guard count % 4 == 0 else { return nil }
        if count == 0 { return [] }
        var padding = 0
        if text[count - 1] == UInt8(ascii: "=") { padding = text[count - 2] == UInt8(ascii: "=") ? 2 : 1 }
        let length = count / 4 * 3 - padding
        return decodeTable.withUnsafeBufferPointer { table -> [UInt8]? in
            var valid = true
            let result = [UInt8](unsafeUninitializedCapacity: length) { out, initialized in
                var o = 0
                var i = 0
                while i < count {
                    let a = table[Int(text[i])]
                    let b = table[Int(text[i + 1])]
                    let c = table[Int(text[i + 2])]
                    let d = table[Int(text[i + 3])]
                    if a | b | c | d < 64 {
                        let n = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                        // The last quantum may be padded: write only the bytes that fit.
                        if o < length { out[o] = UInt8(truncatingIfNeeded: n >> 16) }
                        if o + 1 < length { out[o + 1] = UInt8(truncatingIfNeeded: n >> 8) }
                        if o + 2 < length { out[o + 2] = UInt8(truncatingIfNeeded: n) }
                    } else if i + 4 == count, a | b < 64, padding > 0,
                        (padding == 2 && c == 0xFF && d == 0xFF) || (padding == 1 && c < 64 && d == 0xFF)
                    {
                        // `=` decodes as 0xFF in the table; only the expected padding is accepted.
                        let n = UInt32(a) << 18 | UInt32(b) << 12 | (padding == 1 ? UInt32(c) << 6 : 0)
                        out[o] = UInt8(truncatingIfNeeded: n >> 16)
                        if padding == 1 { out[o + 1] = UInt8(truncatingIfNeeded: n >> 8) }
                    } else {
                        valid = false
                        break
                    }
                    o += 3
                    i += 4
                }
                initialized = valid ? length : 0
            }
            return valid ? result : nil
        }
    }
}
