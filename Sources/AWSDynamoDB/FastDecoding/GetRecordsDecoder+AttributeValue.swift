import AWSCore

extension GetRecordsDecoder.Parser {
    typealias AttributeType = LazyItem.ValueType
}

extension LazyItem.ValueType {
    /// Classified from the member name's bytes (which the next read invalidates).
    @inline(__always)
    init?(_ name: UnsafeBufferPointer<UInt8>) {
        switch name.count {
        case 1:
            switch name[0] {
            case UInt8(ascii: "S"): self = .s
            case UInt8(ascii: "N"): self = .n
            case UInt8(ascii: "M"): self = .m
            case UInt8(ascii: "L"): self = .l
            case UInt8(ascii: "B"): self = .b
            default: return nil
            }
        case 2 where name[1] == UInt8(ascii: "S"):
            switch name[0] {
            case UInt8(ascii: "S"): self = .ss
            case UInt8(ascii: "N"): self = .ns
            case UInt8(ascii: "B"): self = .bs
            default: return nil
            }
        case 4:
            if name.spells("BOOL") {
                self = .bool
            } else if name.spells("NULL") {
                self = .null
            } else {
                return nil
            }
        default: return nil
        }
    }
}

extension GetRecordsDecoder.Parser {
    /// Reads an item: an object of attribute values (a repeated name keeps its last value).
    mutating func readItem() throws(JSONParseError) -> Item {
        let first = pending.count
        if try reader.enterObject() {
            repeat {
                let name = String(decoding: try reader.readMemberName(), as: UTF8.self)
                let value = try readAttributeValue()
                pending.append((name, value))
            } while try reader.nextMember()
        }
        var item = Item(minimumCapacity: pending.count - first)
        for index in first..<pending.count { item[pending[index].name] = pending[index].value }
        pending.removeLast(pending.count - first)
        return item
    }

    /// Reads one attribute value object, which must have exactly one member of a known type.
    mutating func readAttributeValue() throws(JSONParseError) -> AttributeValue {
        let start = reader.offset
        let value = try readValue(of: try readValueType(start: start))
        try endAttributeValue(start: start)
        return value
    }

    /// Enters an attribute value object and reads its type member's name.
    @inline(__always)
    mutating func readValueType(start: Int) throws(JSONParseError) -> AttributeType {
        guard try reader.enterObject(), let type = AttributeType(try reader.readMemberName()) else {
            throw JSONParseError(offset: start, reason: .unexpectedShape("an attribute value of a known type"))
        }
        return type
    }

    /// Leaves an attribute value object, which must have had exactly one member.
    @inline(__always)
    mutating func endAttributeValue(start: Int) throws(JSONParseError) {
        if try reader.nextMember() {
            throw JSONParseError(offset: start, reason: .unexpectedShape("an attribute value with one member"))
        }
    }

    /// Reads the value of an attribute value object's type member.
    mutating func readValue(of type: AttributeType) throws(JSONParseError) -> AttributeValue {
        let value: AttributeValue
        switch type {
        case .s: value = .s(try reader.readString())
        case .n: value = .n(try reader.readString())
        case .b: value = .b(try readBinary())
        case .bool: value = .bool(try reader.readBool())
        case .null:
            _ = try reader.readBool()
            value = .null
        case .m: value = .m(try readItem())
        case .l:
            var list: [AttributeValue] = []
            if try reader.enterArray() {
                repeat { list.append(try readAttributeValue()) } while try reader.nextElement()
            }
            value = .l(list)
        case .ss: value = .ss(try readStrings())
        case .ns: value = .ns(try readStrings())
        case .bs:
            var set: [[UInt8]] = []
            if try reader.enterArray() {
                repeat { set.append(try readBinary()) } while try reader.nextElement()
            }
            value = .bs(set)
        }
        return value
    }

    mutating func readStrings() throws(JSONParseError) -> [String] {
        var strings: [String] = []
        if try reader.enterArray() {
            repeat { strings.append(try reader.readString()) } while try reader.nextElement()
        }
        return strings
    }

    mutating func readBinary() throws(JSONParseError) -> [UInt8] {
        let start = reader.offset
        guard let bytes = Base64.decode(try reader.readStringBytes()) else {
            throw JSONParseError(offset: start, reason: .unexpectedShape("base64 text"))
        }
        return bytes
    }
}
