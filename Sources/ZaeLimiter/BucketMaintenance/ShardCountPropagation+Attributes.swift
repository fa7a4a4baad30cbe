import AWSDynamoDB

/// How the reference reads bucket attributes, ported value for value: `image.get(a, {}).get("N")`
/// on stream images (typed), and `int(item.get(a))` on items the boto3 `Table` resource
/// returned (native values, so an `N` becomes a `Decimal` and an `S` a `str`).
extension ShardCountPropagation {
    /// A value the reference would fail on (`int()` of a non-integer): the record is dropped,
    /// as the Lambda's per-record `except` drops it.
    struct MalformedAttribute: Error, CustomStringConvertible {
        var attribute: String
        var description: String { "attribute \(attribute) is not an integer" }
    }

    /// `image.get(name, {}).get("S")`.
    static func string(_ image: Item, _ name: String) -> String? { image[name]?.s }

    /// `int(image.get(name, {}).get("N", default))`, nil when the default is nil and there is
    /// no `N`.
    static func integer(_ image: Item, _ name: String, default fallback: Int? = nil) throws -> Int? {
        guard let text = image[name]?.n else { return fallback }
        return try pythonInt(text, name)
    }

    /// `int(item.get(name))` on a native value (nil for absent or NULL, which boto3 returns as
    /// `None`): a `Decimal` truncates toward zero, a `str` must be an integer literal, a `bool`
    /// is 0 or 1.
    static func nativeInteger(_ item: Item, _ name: String) throws -> Int? {
        switch item[name] {
        case nil, .null?: return nil
        case .n(let text)?:
            if case .success(let value) = PythonInteger.parse(text), let small = Int(exactly: value) { return small }
            guard let decimal = Double(text), decimal.isFinite, abs(decimal) < 9.0e18 else {
                throw MalformedAttribute(attribute: name)
            }
            return Int(decimal.rounded(.towardZero))
        case .s(let text)?: return try pythonInt(text, name)
        case .bool(let flag)?: return flag ? 1 : 0
        default: throw MalformedAttribute(attribute: name)
        }
    }

    static func pythonInt(_ text: String, _ name: String) throws -> Int {
        guard case .success(let value) = PythonInteger.parse(text), let small = Int(exactly: value) else {
            throw MalformedAttribute(attribute: name)
        }
        return small
    }

    static func attribute(_ limit: String, _ field: String) -> String {
        ZaeLimiterSchema.bucketAttribute(limit, field)
    }

    /// `_stored_count`: an item's `shard_count`, absent or below 1 reading as 1.
    static func storedCount(_ item: Item) throws -> Int {
        max(1, try nativeInteger(item, "shard_count") ?? 1)
    }

    /// One limit's stored parameters (`_extract_limit_attrs`), milli-units and milliseconds.
    struct LimitAttributes: Equatable {
        var name: String
        var capacity: Int
        var tokens: Int
        var refillAmount: Int
        var refillPeriod: Int
    }

    /// `_extract_limit_attrs`: every limit with a `b_{name}_cp` attribute, in `names` order
    /// (the image's attribute order, which decides placeholder numbering downstream).
    static func limitAttributes(_ image: Item, names: [String]) throws -> [LimitAttributes] {
        var limits: [LimitAttributes] = []
        var seen: Set<String> = []
        for attributeName in names {
            // Scalars, not Characters: Python compares code points, and a combining mark after `_`
            // would make a Swift Character of its own.
            let scalars = attributeName.unicodeScalars
            guard scalars.starts(with: ZaeLimiterSchema.bucketAttributePrefix.unicodeScalars) else { continue }
            let rest = scalars.dropFirst(2)
            guard let underscore = rest.lastIndex(of: "_"), underscore > rest.startIndex else { continue }
            guard rest[rest.index(after: underscore)...].elementsEqual("cp".unicodeScalars) else { continue }
            let limit = String(rest[..<underscore])
            guard !limit.isEmpty, seen.insert(limit).inserted else { continue }
            limits.append(
                LimitAttributes(
                    name: limit, capacity: try integer(image, attribute(limit, "cp"), default: 0)!,
                    tokens: try integer(image, attribute(limit, "tk"), default: 0)!,
                    refillAmount: try integer(image, attribute(limit, "ra"), default: 0)!,
                    refillPeriod: try integer(image, attribute(limit, "rp"), default: 0)!))
        }
        return limits
    }

    /// `_is_quota_limit`: a zero refill amount paired with a reset (the limit's duration
    /// window `rsa`, its own reset schedule, or the item's unless the limit declares none).
    static func isQuota(_ limit: String, _ image: Item) throws -> Bool {
        if try integer(image, attribute(limit, "ra"), default: 0)! != 0 { return false }
        if image[attribute(limit, "rsa")] != nil { return true }
        let own = string(image, attribute(limit, "rsched"))
        if own == ZaeLimiterSchema.scheduleNone { return false }
        if let own, !own.isEmpty { return true }
        return !(string(image, "rsched") ?? "").isEmpty
    }
}
