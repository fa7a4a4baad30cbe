import AWSCore

extension GetRecordsDecoder.Parser {
    /// Reads an item as `readItem` does (same reads, same errors at the same offsets) but keeps
    /// only where each attribute lies in `page`; compact S / N members take a shortcut that
    /// accepts only what the general reads accept.
    mutating func readLazyItem(page: [UInt8], capacity: Int = 24) throws(JSONParseError) -> LazyItem {
        var attributes: [LazyItem.Attribute] = []
        let hasEscapes = try readLazyAttributes(into: &attributes, capacity: capacity)
        return LazyItem(bytes: page, attributes: attributes, hasEscapes: hasEscapes)
    }

    /// `readLazyItem` for a record's Keys, in storage the parser reuses while no record keeps it:
    /// the Keys of a record the key filter rejects then cost no allocation.
    mutating func readLazyKeys(page: [UInt8]) throws(JSONParseError) -> LazyItem {
        // Taken out of the parser for the read (exclusive access), and put back shared with the
        // item: a record that keeps the item makes the next read allocate afresh.
        var attributes = keyStorage
        keyStorage = []
        attributes.removeAll(keepingCapacity: true)
        let hasEscapes = try readLazyAttributes(into: &attributes, capacity: 4)
        keyStorage = attributes
        return LazyItem(bytes: page, attributes: attributes, hasEscapes: hasEscapes)
    }

    /// Reads an item's members into `attributes`; returns whether a name or text had escapes.
    mutating func readLazyAttributes(into attributes: inout [LazyItem.Attribute], capacity: Int) throws(JSONParseError)
        -> Bool
    {
        var hasEscapes = false
        if try reader.enterObject() {
            attributes.reserveCapacity(capacity)
            repeat {
                let memberStart = reader.offset
                if let member = reader.readCompactScalarMember() {
                    attributes.append(
                        LazyItem.Attribute(
                            memberStart: UInt32(truncatingIfNeeded: memberStart),
                            memberEnd: UInt32(truncatingIfNeeded: reader.offset),
                            nameStart: UInt32(truncatingIfNeeded: member.nameStart),
                            nameCount: UInt32(truncatingIfNeeded: member.nameCount),
                            textStart: UInt32(truncatingIfNeeded: member.textStart),
                            textCount: UInt32(truncatingIfNeeded: member.textCount),
                            type: member.type == UInt8(ascii: "S") ? .s : .n, escaped: false))
                    continue
                }
                let name = try reader.readMemberName()
                let nameStart = reader.documentOffset(of: name)
                let nameCount = name.count
                let start = reader.offset
                let type = try readValueType(start: start)
                var textStart: Int? = 0
                var textCount = 0
                switch type {
                case .s, .n:
                    let text = try reader.readStringBytes()
                    textStart = reader.documentOffset(of: text)
                    textCount = text.count
                case .bool, .null:
                    _ = try reader.readBool()
                default:
                    // Validated as the eager decoding validates it; rebuilt from the page on demand.
                    _ = try readValue(of: type)
                }
                try endAttributeValue(start: start)
                let escaped = nameStart == nil || textStart == nil
                hasEscapes = hasEscapes || escaped
                attributes.append(
                    LazyItem.Attribute(
                        memberStart: UInt32(truncatingIfNeeded: memberStart),
                        memberEnd: UInt32(truncatingIfNeeded: reader.offset),
                        nameStart: UInt32(truncatingIfNeeded: nameStart ?? 0),
                        nameCount: UInt32(truncatingIfNeeded: nameStart == nil ? 0 : nameCount),
                        textStart: UInt32(truncatingIfNeeded: textStart ?? 0),
                        textCount: UInt32(truncatingIfNeeded: textStart == nil ? 0 : textCount), type: type,
                        escaped: escaped))
            } while try reader.nextMember()
        }
        return hasEscapes
    }
}

extension LazyItem {
    /// The whole item, with the values the eager decoding gives (a repeated name keeps its last
    /// value).
    public var item: Item {
        var item = Item(minimumCapacity: attributes.count)
        for index in attributes.indices {
            let (name, value) = member(index)
            item[name] = value
        }
        return item
    }

    /// The value of attribute `name` (its last occurrence), without building the item.
    public func value(named name: String) -> AttributeValue? {
        if hasEscapes { return item[name] }
        var name = name
        let found = name.withUTF8 { wanted in
            withAttributes { view in
                view.attributes.indices.last { view.name($0).elementsEqual(wanted) }
            }
        }
        return found.map { member($0).value }
    }

    /// Attribute `index`'s name and value: taken from their spans when they had no escapes,
    /// otherwise read again from the page, which was validated when it was decoded.
    func member(_ index: Int) -> (name: String, value: AttributeValue) {
        let attribute = attributes[index]
        if !attribute.escaped, attribute.type == .s || attribute.type == .n {
            return withAttributes { view in
                let name = String(decoding: view.name(index), as: UTF8.self)
                let text = String(decoding: view.text(index), as: UTF8.self)
                return (name, attribute.type == .s ? .s(text) : .n(text))
            }
        }
        let result = bytes.withUnsafeBytes { page in
            let member = UnsafeRawBufferPointer(
                rebasing: page[Int(attribute.memberStart)..<Int(attribute.memberEnd)])
            var parser = GetRecordsDecoder.Parser(reader: JSONReader(member))
            return Result { () throws(JSONParseError) in
                let name = String(decoding: try parser.reader.readMemberName(), as: UTF8.self)
                return (name, try parser.readAttributeValue())
            }
        }
        switch result {
        case .success(let member): return member
        case .failure(let error): preconditionFailure("an attribute validated when its page was decoded: \(error)")
        }
    }
}
