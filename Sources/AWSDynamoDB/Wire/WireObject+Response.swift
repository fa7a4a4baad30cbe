import AWSCore

/// Lookups the response decoders need beyond those `GetRecordsOutput(json:)` uses.
extension WireObject {
    /// Parses `bytes` and requires an object at the top level.
    static func parse(_ bytes: [UInt8]) throws -> WireObject {
        try WireObject(JSONValue.parse(bytes))
    }

    func optionalObject(_ name: String) throws(WireShapeError) -> WireObject? {
        guard let value = try optional(name) else { return nil }
        do { return try WireObject(value) } catch { throw error.within(name) }
    }

    func requiredObject(_ name: String) throws(WireShapeError) -> WireObject {
        guard let object = try optionalObject(name) else { throw WireShapeError(path: name, expected: "an object") }
        return object
    }

    /// Reads the optional object `name` with `read`; errors inside it carry `name` in their path.
    func nested<T>(_ name: String, _ read: (WireObject?) throws(WireShapeError) -> T) throws(WireShapeError) -> T {
        let object = try optionalObject(name)
        do { return try read(object) } catch { throw error.within(name) }
    }

    func optionalArray(_ name: String) throws(WireShapeError) -> [JSONValue]? {
        guard let value = try optional(name) else { return nil }
        guard case .array(let elements) = value else { throw WireShapeError(path: name, expected: "an array") }
        return elements
    }

    /// The elements of an array of objects, each decoded by `decode`.
    func objects<T>(_ name: String, _ decode: (WireObject) throws(WireShapeError) -> T) throws(WireShapeError) -> [T] {
        var result: [T] = []
        for (index, element) in (try optionalArray(name) ?? []).enumerated() {
            do { result.append(try decode(WireObject(element))) } catch { throw error.within("\(name)[\(index)]") }
        }
        return result
    }

    func optionalBool(_ name: String) throws(WireShapeError) -> Bool? {
        guard let value = try optional(name) else { return nil }
        guard case .bool(let flag) = value else { throw WireShapeError(path: name, expected: "a boolean") }
        return flag
    }

    func optionalDouble(_ name: String) throws(WireShapeError) -> Double? {
        guard let text = try optionalNumber(name) else { return nil }
        guard let number = Double(text) else { throw WireShapeError(path: name, expected: "a number") }
        return number
    }

    func optionalItem(_ name: String) throws(WireShapeError) -> Item? {
        guard let value = try optional(name) else { return nil }
        return try item(name, value)
    }

    func optionalSequenceNumber(_ name: String) throws(WireShapeError) -> SequenceNumber? {
        guard let text = try optionalString(name) else { return nil }
        guard let number = SequenceNumber(text) else {
            throw WireShapeError(path: name, expected: "a decimal sequence number")
        }
        return number
    }
}
