import AWSCore

extension GetRecordsDecoder.Parser {
    /// Reads a NewImage or OldImage: passed over by structure (nil) when the key filter rejects
    /// the record and the image carries the Keys' members unchanged, otherwise read in full.
    ///
    /// `skip` holds the filter's verdict for the record's current Keys (decided at its first
    /// image); `skippedFor` is set once an image is skipped; `retry` when an image cannot be
    /// skipped after another one was (a record's images are skipped all or none).
    mutating func readOptionalImage(
        page: [UInt8], eventName: StreamRecord.EventName?, keys: LazyItem?, skip: inout Bool?,
        skippedFor: inout StreamRecord.EventName?, retry: inout Bool
    ) throws(JSONParseError) -> LazyItem? {
        guard let eventName, let keys, let keyFilter else { return try readOptionalLazyItem(page: page) }
        if skip == nil { skip = !keyFilter.accepts(eventName, keys: keys) }
        guard skip == true else { return try readOptionalLazyItem(page: page) }
        if try reader.readNullIfPresent() { return nil }
        if skipImage(carrying: keys, names: keyFilter.names) {
            skippedFor = eventName
            return nil
        }
        // Not skippable: this image and the record's other images are read in full.
        skip = false
        if skippedFor != nil { retry = true }
        return try readLazyItem(page: page)
    }

    /// Passes over the image that comes next if it holds the filter's attributes exactly as
    /// `keys` does (the same member bytes; absent where `keys` lacks them) and no member name
    /// is escaped; false, consuming nothing, otherwise (a filter reading the image might then
    /// decide otherwise than from the Keys).
    mutating func skipImage(carrying keys: LazyItem, names: [[UInt8]]) -> Bool {
        guard !keys.hasEscapes else { return false }
        // Each name's member text in the Keys (its last occurrence, the one the filter reads).
        var wanted: [(start: Int, end: Int)?] = []
        wanted.reserveCapacity(names.count)
        var expected: UInt8 = 0
        for (bit, name) in names.enumerated() {
            var span: (start: Int, end: Int)?
            for key in keys.attributes
            where Self.same(
                reader.documentBytes(from: Int(key.nameStart), to: Int(key.nameStart) + Int(key.nameCount)), name)
            {
                var start = Int(key.memberStart)
                // The span may start at whitespace after the previous member's comma.
                while start < Int(key.memberEnd), reader.documentBytes(from: start, to: start + 1).first != 0x22 {
                    start += 1
                }
                span = (start, Int(key.memberEnd))
            }
            if span != nil { expected |= 1 << bit }
            wanted.append(span)
        }
        // The lengths of the names (below 64), to pass over other members with one test.
        var lengths: UInt64 = 0
        for name in names where name.count < 64 { lengths |= 1 << name.count }
        var probe = reader
        var found: UInt8 = 0
        var consistent = true
        let passed = probe.skipObjectStructurally { member in
            guard !member.nameEscaped else {
                consistent = false
                return
            }
            guard member.name.count >= 64 || lengths & (1 << member.name.count) != 0 else { return }
            for (bit, name) in names.enumerated() where Self.same(member.name, name) {
                guard let span = wanted[bit],
                    Self.same(member.text, reader.documentBytes(from: span.start, to: span.end))
                else {
                    consistent = false
                    return
                }
                found |= 1 << bit
            }
        }
        guard passed, consistent, found == expected else { return false }
        reader = probe
        return true
    }

    @inline(__always)
    static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return b.withUnsafeBufferPointer { same(a, $0) }
    }

    @inline(__always)
    static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for index in 0..<a.count where a[index] != b[index] { return false }
        return true
    }
}
