/// A stream sequence number: a decimal string of up to 40 digits, ordered as an integer.
///
/// Comparing the strings would put "9" after "10"; this compares by magnitude.
public struct SequenceNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Canonical digits, no leading zeros ("0" for zero).
    public let digits: String

    /// Nil unless `text` is a non-empty run of ASCII digits.
    public init?(_ text: String) {
        guard let first = text.utf8.first, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        // Stream sequence numbers never start with 0: keep the text as it is.
        if first != UInt8(ascii: "0") {
            digits = text
            return
        }
        let trimmed = text.drop { $0 == "0" }
        digits = trimmed.isEmpty ? "0" : String(trimmed)
    }

    /// `init?(_:)` from the text's bytes: the check runs on the bytes, and the string is built
    /// once, for the digits kept.
    init?(bytes: UnsafeBufferPointer<UInt8>) {
        guard let first = bytes.first, first != UInt8(ascii: "0"), bytes.allSatisfy({ $0 &- 48 < 10 }) else {
            self.init(String(decoding: bytes, as: UTF8.self))
            return
        }
        self.init(canonical: String(decoding: bytes, as: UTF8.self))
    }

    /// Digits already known to be canonical.
    init(canonical: String) { digits = canonical }

    public static func < (lhs: SequenceNumber, rhs: SequenceNumber) -> Bool {
        if lhs.digits.utf8.count != rhs.digits.utf8.count { return lhs.digits.utf8.count < rhs.digits.utf8.count }
        return lhs.digits < rhs.digits
    }

    public var description: String { digits }
}
