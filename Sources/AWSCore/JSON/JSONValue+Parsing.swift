extension JSONValue {
    /// Parses one JSON document (RFC 8259, strict): exactly one value with optional whitespace
    /// around it, strings well-formed UTF-8 with valid escapes, nesting at most `maxDepth`.
    ///
    /// Numbers keep their exact text; duplicate member names are kept, in document order.
    /// Throws `JSONParseError` (position and reason) for anything else; never traps.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = JSONReader.defaultMaxDepth) throws(JSONParseError)
        -> JSONValue
    {
        // withUnsafeBytes erases typed throws, so carry the outcome out in a Result.
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in try parse(buffer, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// Parses one JSON document from borrowed bytes; see `parse(_:maxDepth:)`.
    public static func parse(_ buffer: UnsafeRawBufferPointer, maxDepth: Int = JSONReader.defaultMaxDepth)
        throws(JSONParseError) -> JSONValue
    {
        var reader = JSONReader(buffer, maxDepth: maxDepth)
        let value = try reader.readValue()
        try reader.finish()
        return value
    }

    /// Parses one JSON document from UTF-8 text.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

extension JSONReader {
    /// Reads one value of any kind as a `JSONValue` tree.
    public mutating func readValue() throws(JSONParseError) -> JSONValue {
        switch try peek() {
        case UInt8(ascii: "\""):
            return .string(try readString())
        case UInt8(ascii: "{"):
            var members: [(key: String, value: JSONValue)] = []
            if try enterObject() {
                repeat {
                    let key = String(decoding: try readMemberName(), as: UTF8.self)
                    members.append((key, try readValue()))
                } while try nextMember()
            }
            return .object(members)
        case UInt8(ascii: "["):
            var elements: [JSONValue] = []
            if try enterArray() {
                repeat { elements.append(try readValue()) } while try nextElement()
            }
            return .array(elements)
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            return .bool(try readBool())
        case UInt8(ascii: "n"):
            try readLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try readNumberText())
        case let b:
            throw error(.unexpectedByte(b), at: position)
        }
    }
}
