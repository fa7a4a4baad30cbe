extension String {
    /// `a + b + c + d` built in one allocation: the key strings of every snapshot item are
    /// joined this way, where interpolation allocated and copied once per part.
    static func concatenating(_ a: String, _ b: String, _ c: String, _ d: String) -> String {
        let count = a.utf8.count + b.utf8.count + c.utf8.count + d.utf8.count
        return String(unsafeUninitializedCapacity: count) { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            var offset = copy(a, to: base, at: 0)
            offset = copy(b, to: base, at: offset)
            offset = copy(c, to: base, at: offset)
            return copy(d, to: base, at: offset)
        }
    }

    /// Copies `part`'s UTF-8 to `base + offset`; returns the offset after it.
    @inline(__always)
    private static func copy(_ part: String, to base: UnsafeMutablePointer<UInt8>, at offset: Int) -> Int {
        var part = part
        return part.withUTF8 { bytes in
            guard let source = bytes.baseAddress else { return offset }
            (base + offset).initialize(from: source, count: bytes.count)
            return offset + bytes.count
        }
    }
}
