import AWSCore

extension GetRecordsDecoder.Parser {
    /// The type member of an attribute value object.
    enum AttributeType {
        case s, n, b, bool, null, m, l, ss, ns, bs

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
        guard try reader.enterObject(), let type = AttributeType(try reader.readMemberName()) else {
            throw JSONParseError(offset: start, reason: .unexpectedShape("an attribute value of a known type"))
        }
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
        if try reader.nextMember() {
            throw JSONParseError(offset: start, reason: .unexpectedShape("an attribute value with one member"))
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
