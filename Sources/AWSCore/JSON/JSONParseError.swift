/// Why a JSON document (or one of its values) was rejected, and where.
///
/// Thrown by `JSONValue.parse`, by `JSONReader` and by the specialised decoders built on it.
/// `offset` is the byte offset into the input at which the problem was found.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong at `offset`.
    public enum Reason: Sendable, Equatable {
        /// The input ended inside a value (or was empty).
        case unexpectedEnd
        /// A byte that cannot start or continue the value being read.
        case unexpectedByte(UInt8)
        /// A number that does not follow RFC 8259's grammar.
        case invalidNumber
        /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`.
        case invalidEscape
        /// A `\u` escape of a UTF-16 surrogate without its partner.
        case loneSurrogate
        /// A raw control character (U+0000…U+001F) inside a string.
        case controlCharacterInString
        /// Bytes that are not well-formed UTF-8.
        case invalidUTF8
        /// Arrays and objects nested deeper than the reader's limit.
        case tooDeep
        /// Non-whitespace after the top-level value.
        case trailingData
        /// Well-formed JSON of the wrong shape for the decoder reading it (e.g. a number where a
        /// string is required); `detail` names what was expected.
        case unexpectedShape(String)
    }

    public var offset: Int
    public var reason: Reason

    public init(offset: Int, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        let what: String
        switch reason {
        case .unexpectedEnd: what = "unexpected end of input"
        case .unexpectedByte(let b): what = "unexpected byte 0x" + String(b, radix: 16)
        case .invalidNumber: what = "invalid number"
        case .invalidEscape: what = "invalid escape sequence"
        case .loneSurrogate: what = "unpaired UTF-16 surrogate escape"
        case .controlCharacterInString: what = "unescaped control character in string"
        case .invalidUTF8: what = "invalid UTF-8"
        case .tooDeep: what = "nesting too deep"
        case .trailingData: what = "data after the top-level value"
        case .unexpectedShape(let detail): what = "unexpected shape: " + detail
        }
        return "JSON error at byte \(offset): \(what)"
    }
}
