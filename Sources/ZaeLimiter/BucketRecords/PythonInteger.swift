/// Python's `int(text)` for the ASCII texts DynamoDB numbers can hold, into an `Int128`.
///
/// The reference processor converts every `N` it reads with `int()`, so a decimal such as
/// `"1.5"` fails the record there, while `" 7 "`, `"+7"`, `"007"` and `"1_000"` pass. `Int128`
/// holds every 38-digit integer DynamoDB stores; anything longer is reported, not wrapped.
enum PythonInteger {
    enum Failure: Error, Equatable {
        case notAnInteger
        case outOfRange
    }

    static func parse(_ text: String) -> Result<Int128, Failure> {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    static func parse(bytes buffer: UnsafeBufferPointer<UInt8>) -> Result<Int128, Failure> {
        // DynamoDB writes numbers as `-?[0-9]+`: up to 18 digits, one tight loop decides.
        if buffer.count <= 18, let base = buffer.baseAddress {
            let negative = buffer.count > 1 && base[0] == UInt8(ascii: "-")
            var position = negative ? 1 : 0
            var small: Int64 = 0
            while position < buffer.count {
                let digit = base[position] &- 48
                guard digit < 10 else { break }
                small = small &* 10 &+ Int64(digit)
                position += 1
            }
            if position == buffer.count, position > 0 { return .success(Int128(negative ? -small : small)) }
        }
        var start = 0
        var end = buffer.count
        while start < end, isSpace(buffer[start]) { start += 1 }
        while end > start, isSpace(buffer[end - 1]) { end -= 1 }
        var negative = false
        if start < end, buffer[start] == UInt8(ascii: "+") || buffer[start] == UInt8(ascii: "-") {
            negative = buffer[start] == UInt8(ascii: "-")
            start += 1
        }
        guard start < end else { return .failure(.notAnInteger) }
        var value: Int128 = 0
        var previousWasDigit = false
        // Up to 18 digits fit an Int64 without any overflow check: the common case.
        if end - start <= 18 {
            var small: Int64 = 0
            for position in start..<end {
                let byte = buffer[position]
                if byte == UInt8(ascii: "_") {
                    guard previousWasDigit else { return .failure(.notAnInteger) }
                    previousWasDigit = false
                    continue
                }
                guard byte >= 48, byte <= 57 else { return .failure(.notAnInteger) }
                small = small * 10 + Int64(byte - 48)
                previousWasDigit = true
            }
            guard previousWasDigit else { return .failure(.notAnInteger) }
            return .success(Int128(negative ? -small : small))
        }
        for position in start..<end {
            let byte = buffer[position]
            if byte == UInt8(ascii: "_") {
                // One underscore between digits only, as in Python literals.
                guard previousWasDigit else { return .failure(.notAnInteger) }
                previousWasDigit = false
                continue
            }
            guard byte >= 48, byte <= 57 else { return .failure(.notAnInteger) }
            let digit = Int128(byte - 48)
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            // Accumulate negatively so that Int128.min would parse too.
            let (next, o2) =
                negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if o1 || o2 { return .failure(.outOfRange) }
            value = next
            previousWasDigit = true
        }
        guard previousWasDigit else { return .failure(.notAnInteger) }
        return .success(value)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) || (byte >= 0x1C && byte <= 0x1F)
    }

    /// Python's `a // b` for a positive divisor: rounds toward negative infinity.
    static func floorDivide(_ a: Int128, by b: Int128) -> Int128 {
        let (q, r) = a.quotientAndRemainder(dividingBy: b)
        return r < 0 ? q - 1 : q
    }
}
