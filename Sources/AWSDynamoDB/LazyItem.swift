/// An item of a GetRecords page kept as byte spans of the page instead of a dictionary.
///
/// `GetRecordsDecoder` validates every attribute exactly as it does when it builds an `Item`,
/// but records only where each one lies: building `[String: AttributeValue]` images (two
/// dozen names and values per bucket image, each a `String`, each hashed) cost more than all
/// of the usage aggregation. Readers that need a few attributes use `withAttributes`; `item`
/// builds the full dictionary on demand (the same values the eager decoding gives). The page's
/// bytes are kept alive as long as one of its items is.
public struct LazyItem: Sendable {
    /// The type member of an attribute value object.
    public enum ValueType: UInt8, Sendable {
        case s, n, b, bool, null, m, l, ss, ns, bs
    }

    /// Where one attribute lies in the page (offsets fit 32 bits: pages are at most a few MB).
    public struct Attribute: Sendable {
        /// From the name's opening quote to after the value object: re-read to materialise.
        var memberStart: UInt32
        var memberEnd: UInt32
        /// The name's bytes, and for S and N the text's bytes (meaningless when escaped).
        var nameStart: UInt32
        var nameCount: UInt32
        var textStart: UInt32
        var textCount: UInt32
        public var type: ValueType
        /// The name or the S / N text had escapes.
        var escaped: Bool
    }

    let bytes: [UInt8]
    let attributes: [Attribute]
    /// Whether a name or an S / N text was written with escapes: its span then holds the
    /// escaped JSON text, not the value, and readers must use `item`.
    public let hasEscapes: Bool

    /// The number of members read, repeated names included.
    public var memberCount: Int { attributes.count }

    /// Calls `body` with a view of the attributes in page order (a repeated name appears each
    /// time; the last one is the item's value, as in `item`).
    public func withAttributes<R>(_ body: (View) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { page in
            try attributes.withUnsafeBufferPointer { attributes in
                try body(View(page: page, attributes: attributes))
            }
        }
    }

    /// Borrowed spans of the attributes; valid only inside `withAttributes`.
    public struct View {
        let page: UnsafeBufferPointer<UInt8>
        public let attributes: UnsafeBufferPointer<Attribute>

        @inline(__always)
        public func name(_ index: Int) -> UnsafeBufferPointer<UInt8> {
            let attribute = attributes[index]
            return UnsafeBufferPointer(
                rebasing: page[Int(attribute.nameStart)..<Int(attribute.nameStart + attribute.nameCount)])
        }

        /// The text of an S or N value (empty for other types).
        @inline(__always)
        public func text(_ index: Int) -> UnsafeBufferPointer<UInt8> {
            let attribute = attributes[index]
            return UnsafeBufferPointer(
                rebasing: page[Int(attribute.textStart)..<Int(attribute.textStart + attribute.textCount)])
        }
    }
}
