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

    public static func < (lhs: SequenceNumber, rhs: SequenceNumber) -> Bool {
        if lhs.digits.utf8.count != rhs.digits.utf8.count { return lhs.digits.utf8.count < rhs.digits.utf8.count }
        return lhs.digits < rhs.digits
    }

    public var description: String { digits }
}
