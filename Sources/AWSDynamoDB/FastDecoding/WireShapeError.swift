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

    /// `seconds(fromNumberText:)` from the number's bytes, without building a string for the
    /// common forms: whole seconds, and a decimal fraction (moto) whose digits form an integer
    /// below 2^53 with at most 22 of them after the point. That integer and the power of ten
    /// are then both exact Doubles, so one IEEE division rounds the exact quotient correctly,
    /// the value `Double(text)` gives (Clinger's fast path). Anything else takes `Double(text)`.
    static func seconds(fromNumberBytes bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var mantissa: UInt64 = 0
        var digits = 0
        var fraction = -1
        for byte in bytes {
            if byte == UInt8(ascii: ".") && fraction < 0 {
                fraction = 0
                continue
            }
            let digit = byte &- 48
            guard digit < 10, digits < 15 else {
                return seconds(fromNumberText: String(decoding: bytes, as: UTF8.self))
            }
            mantissa = mantissa &* 10 &+ UInt64(digit)
            digits += 1
            if fraction >= 0 { fraction += 1 }
        }
        guard digits > 0, fraction != 0 else { return seconds(fromNumberText: String(decoding: bytes, as: UTF8.self)) }
        if fraction < 0 { return Double(mantissa) }
        return Double(mantissa) / powersOfTen[fraction]
    }

    /// 10^0 … 10^22, each exact as a Double.
    static let powersOfTen: [Double] = (0...22).map { exponent in
        (0..<exponent).reduce(1.0) { value, _ in value * 10 }
    }

    /// `SizeBytes`: a JSON integer that fits in Int.
    static func integer(fromNumberText text: String) -> Int? { Int(text) }
}
