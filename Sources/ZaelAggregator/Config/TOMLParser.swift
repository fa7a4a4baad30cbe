/// A strict parser for the TOML subset of the configuration file: `[table]` headers, bare
/// `key = value` pairs whose values are strings (basic `"…"` or literal `'…'`), integers, floats,
/// booleans or arrays of strings (which may span lines), and `#` comments.
///
/// Everything else TOML has (dotted or quoted keys, inline tables, arrays of tables, dates,
/// multi-line strings) is reported as unsupported rather than guessed at. Parsing continues after
/// an error at the next line, so one run reports every syntax error with its line.
public struct TOMLParser {
    private let text: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var document = TOMLDocument()
    private var errors: [TOMLSyntaxError] = []
    // The current table; nil after a malformed header, whose keys are then checked but not kept
    // (attributing them to the previous table would only add misleading errors).
    private var table: String? = ""

    private init(_ source: String) {
        text = Array(source.unicodeScalars)
    }

    /// Parses `source`; returns the document (with every well-formed line) and all syntax errors.
    public static func parse(_ source: String) -> (document: TOMLDocument, errors: [TOMLSyntaxError]) {
        var parser = TOMLParser(source)
        parser.run()
        return (parser.document, parser.errors)
    }

    private struct Failure: Error {
        var message: String
    }

    private mutating func run() {
        while index < text.count {
            let startLine = line
            do {
                try parseLine()
            } catch let failure as Failure {
                errors.append(TOMLSyntaxError(line: startLine, message: failure.message))
                skipToNextLine()
            } catch {
                skipToNextLine()
            }
        }
    }

    private var current: Unicode.Scalar? { index < text.count ? text[index] : nil }

    private mutating func advance() {
        if current == "\n" { line += 1 }
        index += 1
    }

    private mutating func skipToNextLine() {
        while let c = current, c != "\n" { index += 1 }
        if current == "\n" { advance() }
    }

    private mutating func skipSpaces() {
        while let c = current, c == " " || c == "\t" { index += 1 }
    }

    /// Skips spaces, then accepts a comment and the end of the line (or of the file).
    private mutating func expectLineEnd(after what: String) throws {
        skipSpaces()
        if current == "#" {
            while let c = current, c != "\n" {
                if c.value < 0x20 && c != "\t" { throw Failure(message: "control character in comment") }
                index += 1
            }
        }
        if current == "\r", index + 1 < text.count, text[index + 1] == "\n" { index += 1 }
        guard current == nil || current == "\n" else {
            throw Failure(message: "unexpected text after \(what): \(rest())")
        }
        if current == "\n" { advance() }
    }

    /// The rest of the current line, for error messages.
    private func rest() -> String {
        var out = ""
        var i = index
        while i < text.count, text[i] != "\n", out.unicodeScalars.count < 40 {
            out.unicodeScalars.append(text[i])
            i += 1
        }
        return "'\(out)'"
    }

    private static func isBareKey(_ c: Unicode.Scalar) -> Bool {
        ("A"..."Z").contains(c) || ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "-"
    }

    private mutating func parseLine() throws {
        skipSpaces()
        guard let c = current else { return }
        switch c {
        case "\n", "#", "\r":
            try expectLineEnd(after: "blank line")
        case "[":
            try parseTableHeader()
        case _ where Self.isBareKey(c):
            try parseKeyValue()
        case "\"", "'":
            throw Failure(message: "quoted keys are not supported; use a bare key such as batch_size")
        default:
            throw Failure(message: "expected a key, a [table] or a comment, found \(rest())")
        }
    }

    private mutating func parseTableHeader() throws {
        let headerLine = line
        table = nil
        advance()  // [
        if current == "[" { throw Failure(message: "arrays of tables ([[…]]) are not supported") }
        skipSpaces()
        let name = bareKey()
        skipSpaces()
        if current == "." { throw Failure(message: "nested tables ([a.b]) are not supported") }
        guard !name.isEmpty, current == "]" else {
            throw Failure(message: "malformed table header; expected [name] with letters, digits, _ or -")
        }
        advance()
        try expectLineEnd(after: "table header [\(name)]")
        if let first = document.tables[name] {
            errors.append(
                TOMLSyntaxError(line: headerLine, message: "duplicate table [\(name)] (first at line \(first))"))
        } else if let key = document.entries.first(where: { $0.table.isEmpty && $0.key == name }) {
            // TOML forbids defining a name twice, as a value and as a table.
            errors.append(
                TOMLSyntaxError(
                    line: headerLine, message: "table [\(name)] redefines the key \(name) (set at line \(key.line))"))
            return  // its keys are checked, not kept
        } else {
            document.tables[name] = headerLine
        }
        table = name
    }

    private mutating func bareKey() -> String {
        var key = ""
        while let c = current, Self.isBareKey(c) {
            key.unicodeScalars.append(c)
            index += 1
        }
        return key
    }

    private mutating func parseKeyValue() throws {
        let keyLine = line
        let key = bareKey()
        skipSpaces()
        if current == "." { throw Failure(message: "dotted keys are not supported; put \(key) under a [table]") }
        guard current == "=" else { throw Failure(message: "expected '=' after key \(key)") }
        index += 1
        skipSpaces()
        let value = try parseValue(for: key)
        try expectLineEnd(after: "the value of \(key)")
        guard let table else { return }
        let entry = TOMLDocument.Entry(table: table, key: key, value: value, line: keyLine)
        if let first = document.entries.first(where: { $0.table == table && $0.key == key }) {
            errors.append(
                TOMLSyntaxError(line: keyLine, message: "duplicate key \(entry.path) (first set at line \(first.line))")
            )
        } else {
            document.entries.append(entry)
        }
    }

    private mutating func parseValue(for key: String) throws -> TOMLValue {
        guard let c = current, c != "\n", c != "#" else { throw Failure(message: "missing value for key \(key)") }
        switch c {
        case "\"", "'":
            return .string(try parseString())
        case "[":
            return try parseArray()
        case "{":
            throw Failure(message: "inline tables are not supported")
        case "t", "f":
            let word = bareKey()
            if word == "true" { return .bool(true) }
            if word == "false" { return .bool(false) }
            throw Failure(message: "invalid value \(word) (strings need quotes)")
        default:
            return try parseNumber()
        }
    }

    private mutating func parseString() throws -> String {
        let quote = current!
        if index + 2 < text.count, text[index + 1] == quote, text[index + 2] == quote {
            throw Failure(message: "multi-line strings are not supported")
        }
        index += 1
        var out = ""
        while true {
            guard let c = current, c != "\n" else { throw Failure(message: "unterminated string") }
            index += 1
            if c == quote { return out }
            if c.value < 0x20 && c != "\t" || c.value == 0x7f {
                throw Failure(message: "control character in string")
            }
            if c == "\\" && quote == "\"" {
                out.unicodeScalars.append(try parseEscape())
            } else {
                out.unicodeScalars.append(c)
            }
        }
    }

    private mutating func parseEscape() throws -> Unicode.Scalar {
        guard let c = current else { throw Failure(message: "unterminated string") }
        index += 1
        switch c {
        case "b": return "\u{08}"
        case "t": return "\t"
        case "n": return "\n"
        case "f": return "\u{0C}"
        case "r": return "\r"
        case "\"": return "\""
        case "\\": return "\\"
        case "u", "U":
            let count = c == "u" ? 4 : 8
            var hex = ""
            for _ in 0..<count {
                guard let h = current, h.properties.isASCIIHexDigit else {
                    throw Failure(message: "invalid \\\(c) escape: needs \(count) hex digits")
                }
                hex.unicodeScalars.append(h)
                index += 1
            }
            guard let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) else {
                throw Failure(message: "invalid \\\(c)\(hex) escape: not a Unicode scalar")
            }
            return scalar
        default:
            throw Failure(message: "invalid escape \\\(c) in string")
        }
    }

    /// Skips spaces, newlines and comments inside an array.
    private mutating func skipArrayFiller() {
        while let c = current {
            if c == " " || c == "\t" || c == "\r" || c == "\n" {
                advance()
            } else if c == "#" {
                while let d = current, d != "\n" { index += 1 }
            } else {
                return
            }
        }
    }

    private mutating func parseArray() throws -> TOMLValue {
        index += 1  // [
        var items: [String] = []
        while true {
            skipArrayFiller()
            guard let c = current else { throw Failure(message: "unterminated array") }
            if c == "]" {
                index += 1
                return .stringArray(items)
            }
            guard c == "\"" || c == "'" else { throw Failure(message: "arrays may hold strings only") }
            items.append(try parseString())
            skipArrayFiller()
            if current == "," {
                index += 1
            } else if current != "]" {
                throw Failure(message: "expected ',' or ']' in array")
            }
        }
    }

    private mutating func parseNumber() throws -> TOMLValue {
        var token = ""
        while let c = current, c != " ", c != "\t", c != "\n", c != "\r", c != "#", c != ",", c != "]" {
            token.unicodeScalars.append(c)
            index += 1
        }
        if let value = Self.integer(token) { return .integer(value) }
        if let value = Self.float(token) { return .float(value) }
        if token.contains("-") && token.contains(":") || token.count == 10 && token.contains("-") {
            throw Failure(message: "dates and times are not supported")
        }
        throw Failure(message: "invalid value \(token) (strings need quotes)")
    }

    /// A decimal TOML integer: optional sign, digits with single underscores between them, no
    /// leading zeros.
    static func integer(_ token: String) -> Int64? {
        var body = Substring(token)
        var sign = ""
        if let first = body.first, first == "+" || first == "-" {
            sign = first == "-" ? "-" : ""
            body = body.dropFirst()
        }
        guard let digits = digitsWithUnderscores(body) else { return nil }
        if digits.count > 1 && digits.first == "0" { return nil }
        return Int64(sign + digits)
    }

    /// A TOML float: integer part, then a fraction and/or an exponent (no inf/nan here).
    static func float(_ token: String) -> Double? {
        var body = Substring(token)
        var sign = ""
        if let first = body.first, first == "+" || first == "-" {
            sign = first == "-" ? "-" : ""
            body = body.dropFirst()
        }
        let exponentSplit = body.split(separator: "e", maxSplits: 1, omittingEmptySubsequences: false)
            .flatMap { $0.split(separator: "E", maxSplits: 1, omittingEmptySubsequences: false) }
        guard (1...2).contains(exponentSplit.count) else { return nil }
        let mantissa = exponentSplit[0]
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let intPart = digitsWithUnderscores(parts[0]), !(intPart.count > 1 && intPart.first == "0") else {
            return nil
        }
        var text = sign + intPart
        if parts.count == 2 {
            guard let fraction = digitsWithUnderscores(parts[1]) else { return nil }
            text += "." + fraction
        }
        if exponentSplit.count == 2 {
            var exp = exponentSplit[1]
            var expSign = ""
            if let first = exp.first, first == "+" || first == "-" {
                expSign = String(first)
                exp = exp.dropFirst()
            }
            guard let expDigits = digitsWithUnderscores(exp) else { return nil }
            text += "e" + expSign + expDigits
        }
        guard parts.count == 2 || exponentSplit.count == 2, let value = Double(text), value.isFinite else {
            return nil
        }
        return value
    }

    /// Digits with optional single underscores between them, returned without the underscores.
    private static func digitsWithUnderscores(_ s: Substring) -> String? {
        guard let first = s.first, let last = s.last, first.isASCII && first.isNumber, last.isASCII && last.isNumber
        else { return nil }
        var out = ""
        var previousUnderscore = false
        for ch in s {
            if ch == "_" {
                if previousUnderscore { return nil }
                previousUnderscore = true
            } else if ch.isASCII && ch.isNumber {
                out.append(ch)
                previousUnderscore = false
            } else {
                return nil
            }
        }
        return out
    }
}
