import AWSDynamoDB

/// Assigns records to lanes: a stable FNV-1a hash of the record's `Keys` (attribute names sorted,
/// each name and typed value hashed) modulo the lane count. Records of one item always share a
/// lane, so their order is kept; the hash never changes between runs or hosts.
public enum LaneHasher {
    /// The 64-bit FNV-1a hash of a key.
    public static func hash(_ keys: Item) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func feed<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
            for byte in bytes {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
        }
        func feed(tag: Character) { feed([UInt8(ascii: tag.unicodeScalars.first!)]) }
        func feed(_ value: AttributeValue) {
            switch value {
            case .s(let text):
                feed(tag: "S")
                feed(text.utf8)
            case .n(let text):
                feed(tag: "N")
                feed(text.utf8)
            case .b(let bytes):
                feed(tag: "B")
                feed(bytes)
            case .bool(let flag):
                feed(tag: "T")
                feed([flag ? 1 : 0])
            case .null:
                feed(tag: "0")
            case .m(let map):
                feed(tag: "M")
                for name in map.keys.sorted() {
                    feed(name.utf8)
                    feed([0])
                    feed(map[name]!)
                }
            case .l(let list):
                feed(tag: "L")
                for element in list { feed(element) }
            case .ss(let texts), .ns(let texts):
                feed(tag: value.ss == nil ? "n" : "s")
                for text in texts {
                    feed(text.utf8)
                    feed([0])
                }
            case .bs(let blobs):
                feed(tag: "b")
                for blob in blobs {
                    feed(blob)
                    feed([0])
                }
            }
            feed([1])
        }
        for name in keys.keys.sorted() {
            feed(name.utf8)
            feed([0])
            feed(keys[name]!)
        }
        return hash
    }

    /// The lane of a record among `laneCount` lanes.
    public static func lane(of record: StreamRecord, laneCount: Int) -> Int {
        laneCount <= 1 ? 0 : Int(hash(record.keys) % UInt64(laneCount))
    }
}
