import AWSCore

/// The generic (tree) path between DynamoDB JSON and `AttributeValue`: what every operation's
/// client uses except GetRecords, which has `GetRecordsDecoder`.
///
/// Wire form: an object with exactly one member whose name is the type: `{"S":"…"}`,
/// `{"N":"12.5"}` (number text kept exact), `{"B":"<base64>"}`, `{"BOOL":true}`,
/// `{"NULL":true}`, `{"M":{…}}`, `{"L":[…]}`, `{"SS":[…]}`, `{"NS":[…]}`, `{"BS":[…]}`.
extension AttributeValue {
    /// Decodes one attribute value; throws `WireShapeError` for any other shape (unknown type,
    /// several members, wrong member kind, bad base64).
    public init(json: JSONValue) throws(WireShapeError) {
        guard case .object(let members) = json, members.count == 1, let member = members.first else {
            throw WireShapeError(expected: "an attribute value object with one member")
        }
        do {
            self = try Self.decodeMember(type: member.key, value: member.value)
        } catch {
            throw error.within(member.key)
        }
    }

    private static func decodeMember(type: String, value: JSONValue) throws(WireShapeError) -> AttributeValue {
        switch type {
        case "S": return .s(try string(value))
        case "N": return .n(try string(value))
        case "B": return .b(try binary(value))
        case "BOOL": return .bool(try bool(value))
        case "NULL":
            _ = try bool(value)
            return .null
        case "M": return .m(try Item(json: value))
        case "L":
            var list: [AttributeValue] = []
            for (index, element) in try array(value).enumerated() {
                do { list.append(try AttributeValue(json: element)) } catch { throw error.within("[\(index)]") }
            }
            return .l(list)
        case "SS": return .ss(try strings(value))
        case "NS": return .ns(try strings(value))
        case "BS":
            var set: [[UInt8]] = []
            for (index, element) in try array(value).enumerated() {
                do { set.append(try binary(element)) } catch { throw error.within("[\(index)]") }
            }
            return .bs(set)
        default:
            throw WireShapeError(expected: "a known attribute type (S N B BOOL NULL M L SS NS BS)")
        }
    }

    private static func string(_ value: JSONValue) throws(WireShapeError) -> String {
        guard case .string(let text) = value else { throw WireShapeError(expected: "a string") }
        return text
    }

    private static func bool(_ value: JSONValue) throws(WireShapeError) -> Bool {
        guard case .bool(let flag) = value else { throw WireShapeError(expected: "a boolean") }
        return flag
    }

    private static func array(_ value: JSONValue) throws(WireShapeError) -> [JSONValue] {
        guard case .array(let elements) = value else { throw WireShapeError(expected: "an array") }
        return elements
    }

    private static func binary(_ value: JSONValue) throws(WireShapeError) -> [UInt8] {
        guard let bytes = Base64.decode(try string(value)) else { throw WireShapeError(expected: "base64 text") }
        return bytes
    }

    private static func strings(_ value: JSONValue) throws(WireShapeError) -> [String] {
        var result: [String] = []
        for (index, element) in try array(value).enumerated() {
            do { result.append(try string(element)) } catch { throw error.within("[\(index)]") }
        }
        return result
    }

    /// The wire form of the value, for request bodies.
    public var jsonValue: JSONValue {
        switch self {
        case .s(let text): return .object([("S", .string(text))])
        case .n(let text): return .object([("N", .string(text))])
        case .b(let bytes): return .object([("B", .string(Base64.encode(bytes)))])
        case .bool(let flag): return .object([("BOOL", .bool(flag))])
        case .null: return .object([("NULL", .bool(true))])
        case .m(let item): return .object([("M", item.jsonValue)])
        case .l(let list): return .object([("L", .array(list.map(\.jsonValue)))])
        case .ss(let set): return .object([("SS", .array(set.map { .string($0) }))])
        case .ns(let set): return .object([("NS", .array(set.map { .string($0) }))])
        case .bs(let set): return .object([("BS", .array(set.map { .string(Base64.encode($0)) }))])
        }
    }
}

extension Dictionary where Key == String, Value == AttributeValue {
    /// Decodes an item (an object of attribute values). A repeated name keeps its last value,
    /// as `GetRecordsDecoder` does.
    public init(json: JSONValue) throws(WireShapeError) {
        guard case .object(let members) = json else { throw WireShapeError(expected: "an object of attribute values") }
        var item = Item(minimumCapacity: members.count)
        for (name, value) in members {
            do { item[name] = try AttributeValue(json: value) } catch { throw error.within(name) }
        }
        self = item
    }

    /// The wire form of the item, names in sorted order so that request bodies are reproducible.
    public var jsonValue: JSONValue {
        .object(self.sorted { $0.key < $1.key }.map { ($0.key, $0.value.jsonValue) })
    }
}
