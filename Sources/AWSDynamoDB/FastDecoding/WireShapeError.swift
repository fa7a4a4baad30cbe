import AWSCore

/// A response that is well-formed JSON but not the shape the operation returns, found while
/// decoding a `JSONValue` tree (the generic path; the specialised decoders throw
/// `JSONParseError` with a byte offset instead).
public struct WireShapeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where in the document, e.g. `Records[3].dynamodb.Keys.PK`.
    public var path: String
    /// What was expected there, e.g. `a string`.
    public var expected: String

    public init(path: String = "", expected: String) {
        self.path = path
        self.expected = expected
    }

    /// The same error one level further out: `component` is prepended to the path.
    func within(_ component: String) -> WireShapeError {
        var copy = self
        if path.isEmpty || path.hasPrefix("[") {
            copy.path = component + path
        } else {
            copy.path = component + "." + path
        }
        return copy
    }

    public var description: String {
        "unexpected response shape at \(path.isEmpty ? "top level" : path): expected \(expected)"
    }
}

/// Conversions both decoding paths share, so that they agree to the bit.
enum WireConversion {
    /// `ApproximateCreationDateTime`: any JSON number, as a Double (Swift's correctly rounded,
    /// locale-independent parse).
    static func seconds(fromNumberText text: String) -> Double? {
        // Whole seconds (AWS) below 2^53 convert exactly through Int, much faster than strtod;
        // a leading `-` (and so `-0`) takes the general path.
        if text.utf8.count <= 15, text.utf8.first.map({ $0 >= 48 && $0 <= 57 }) == true, let whole = Int(text) {
            return Double(whole)
        }
        return Double(text)
    }

    /// `SizeBytes`: a JSON integer that fits in Int.
    static func integer(fromNumberText text: String) -> Int? { Int(text) }
}
