import AWSCore

extension LazyItem {
    /// The item's attributes as their wire JSON (`{"S": "…"}`, `{"M": {…}}`), in page order,
    /// with every map's members in the order the service sent them.
    ///
    /// For readers that must reproduce the service's member order, which `Item` (a dictionary)
    /// does not keep: audit archival writes `details` maps in the order the Lambda sees them. A
    /// repeated name appears each time, as in `withAttributes`.
    public var wireMembers: [(name: String, value: JSONValue)] {
        attributes.indices.compactMap { index in
            let attribute = attributes[index]
            let result = bytes.withUnsafeBytes { page in
                let member = UnsafeRawBufferPointer(
                    rebasing: page[Int(attribute.memberStart)..<Int(attribute.memberEnd)])
                var reader = JSONReader(member)
                return Result { () throws(JSONParseError) in
                    let name = String(decoding: try reader.readMemberName(), as: UTF8.self)
                    return (name: name, value: try reader.readValue())
                }
            }
            // The page was validated when it was decoded; a failure here cannot happen, and a
            // member that cannot be read again is left out rather than trapping.
            return try? result.get()
        }
    }
}

extension StreamRecord {
    /// The OldImage as wire JSON members in the service's order (see `LazyItem.wireMembers`);
    /// for an eagerly built record, the members of `oldImage` in name order (a dictionary keeps
    /// no order). Nil when the record has no OldImage.
    public var oldImageWireMembers: [(name: String, value: JSONValue)]? {
        if let lazyOldImage { return lazyOldImage.wireMembers }
        guard let oldImage else { return nil }
        return oldImage.keys.sorted().map { (name: $0, value: oldImage[$0]!.jsonValue) }
    }
}

extension StreamRecord {
    /// One OldImage attribute, without building a lazy image.
    public func oldImageValue(named name: String) -> AttributeValue? {
        if let lazyOldImage { return lazyOldImage.value(named: name) }
        return oldImage?[name]
    }
}
