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
        guard !keys.hasEscapes, names.count <= 8 else { return false }
        // Each name's member text in the Keys (its last occurrence, the one the filter reads), on
        // the stack: an image is skipped for most records of a page.
        return withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: 8) { wanted in
            var expected: UInt8 = 0
            // The lengths of the names (below 64), to pass over other members with one test.
            var lengths: UInt64 = 0
            for (bit, name) in names.enumerated() {
                if name.count < 64 { lengths |= 1 << name.count }
                for key in keys.attributes
                where Self.same(
                    reader.documentBytes(from: Int(key.nameStart), to: Int(key.nameStart) + Int(key.nameCount)), name)
                {
                    var start = Int(key.memberStart)
                    // The span may start at whitespace after the previous member's comma.
                    while start < Int(key.memberEnd), reader.documentBytes(from: start, to: start + 1).first != 0x22 {
                        start += 1
                    }
                    wanted[bit] = start..<Int(key.memberEnd)
                    expected |= 1 << bit
                }
            }
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
                    guard expected & (1 << bit) != 0,
                        Self.same(
                            member.text, reader.documentBytes(from: wanted[bit].lowerBound, to: wanted[bit].upperBound))
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
    }

    @inline(__always)
    static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return b.withUnsafeBufferPointer { same(a, $0) }
    }

    @inline(__always)
    static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let x = a.baseAddress, let y = b.baseAddress else { return true }
        var index = 0
        // Eight bytes at a time, then the rest.
        while index &+ 8 <= a.count {
            let left = UnsafeRawPointer(x + index).loadUnaligned(as: UInt64.self)
            let right = UnsafeRawPointer(y + index).loadUnaligned(as: UInt64.self)
            if left != right { return false }
            index &+= 8
        }
        while index < a.count {
            if x[index] != y[index] { return false }
            index &+= 1
        }
        return true
    }
}
