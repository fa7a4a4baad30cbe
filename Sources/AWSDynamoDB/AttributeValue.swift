/// A DynamoDB attribute value, exactly as the service sends it.
///
/// Numbers stay decimal strings (`N` holds up to 38 significant digits); binary values are raw
/// bytes (base64 only on the wire). Sets keep the order the service sent.
///
/// Not `indirect`: M and L already hold their children in heap-backed collections, and an
/// indirect enum would box every value, which cost a third of the GetRecords decoding time.
public enum AttributeValue: Sendable, Hashable {
    case s(String)
    case n(String)
    case b([UInt8])
    case bool(Bool)
    case null
    case m([String: AttributeValue])
    case l([AttributeValue])
    case ss([String])
    case ns([String])
    case bs([[UInt8]])

    public var s: String? {
        if case .s(let v) = self { return v }
        return nil
    }
    public var n: String? {
        if case .n(let v) = self { return v }
        return nil
    }
    public var m: [String: AttributeValue]? {
        if case .m(let v) = self { return v }
        return nil
    }
    public var ss: [String]? {
        if case .ss(let v) = self { return v }
        return nil
    }
}

/// An item: attribute name to value.
public typealias Item = [String: AttributeValue]
