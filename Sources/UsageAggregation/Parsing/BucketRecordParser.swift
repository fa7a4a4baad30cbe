import AWSDynamoDB

/// Turns one stream record into usage deltas exactly as the reference's `_parse_bucket_record`
/// and `extract_deltas` do, quirks included.
///
/// - Only MODIFY records count (a bucket's first consumption, an INSERT, never reaches a
///   snapshot).
/// - Keys come from the NewImage: `{ns}/BUCKET#{entity}#{resource}#{shard}` (any SK), or the
///   old `{ns}/ENTITY#…` + `SK=#BUCKET#{resource}` form with the entity from `entity_id`.
/// - `entity_id` (S, non-empty) must be in the NewImage either way.
/// - A limit counts only if `b_{limit}_tc` is an `N` in both images; `wcu` and zero deltas
///   produce nothing.
/// - Every integer the reference converts with `int()` must parse, or the whole record fails
///   (`.rejected`), even when the bad attribute belongs to a limit with no delta.
public struct BucketRecordParser: Sendable {
    /// Why a record produced nothing, with no data lost (bounded metric labels).
    public enum IgnoreReason: String, Sendable {
        case notModify = "not_modify"
        case notBucket = "not_bucket"
        case noEntityId = "no_entity_id"
        case noCounters = "no_counters"
    }

    public enum Outcome: Sendable, Equatable {
        case ignored(IgnoreReason)
        /// The deltas (possibly none), and limits dropped for a reason worth reporting.
        case parsed(deltas: [UsageDelta], rejectedLimits: [RejectionReason])
        case rejected(RejectionReason)
    }

    public init() {}

    /// One `b_{limit}_tc` found in both images, with what the other fields say of its limit.
    struct Counter {
        var limit: String
        var difference: Int128
        var tokens: Int128 = 0
        var soft = false
    }

    enum Field { case tokens, soft, other }

    /// The integer fields the reference converts per limit, besides `tc`.
    private static let integerFields: [(name: [UInt8], field: Field)] = [
        (Array("tk".utf8), .tokens), (Array("soft".utf8), .soft),
    ] + ["cp", "ra", "rp", "ws", "rsa", "wa", "wtc", "gc", "tu"].map { (Array($0.utf8), Field.other) }

    /// For `b_{limit}_{field}` with a counted limit and a field the reference converts: the
    /// counter's index and the field. Split at the last `_`, as `bucket_attr` names are built.
    static func limitField(_ attribute: String, among counters: [Counter]) -> (Int, Field)? {
        let bytes = attribute.utf8
        guard bytes.count > 4, bytes.starts(with: ZaeLimiterSchema.bucketAttributePrefix.utf8),
            let underscore = bytes.lastIndex(of: UInt8(ascii: "_"))
        else { return nil }
        let limitStart = bytes.index(bytes.startIndex, offsetBy: 2)
        guard underscore > limitStart else { return nil }
        let fieldBytes = bytes[bytes.index(after: underscore)...]
        guard let field = integerFields.first(where: { $0.name.elementsEqual(fieldBytes) })?.field else { return nil }
        let limitBytes = bytes[limitStart..<underscore]
        guard let position = counters.firstIndex(where: { $0.limit.utf8.elementsEqual(limitBytes) }) else { return nil }
        return (position, field)
    }

    public func parse(_ record: StreamRecord) -> Outcome {
        guard record.eventName == .modify else { return .ignored(.notModify) }
        let newImage = record.newImage ?? [:]
        let oldImage = record.oldImage ?? [:]
        let pk = newImage["PK"]?.s ?? ""
        let sk = newImage["SK"]?.s ?? ""

        guard let slash = pk.firstIndex(of: "/") else { return .ignored(.notBucket) }
        let namespaceId = String(pk[..<slash])
        let remainder = pk[pk.index(after: slash)...]
        let entityId: String
        let resource: String
        if remainder.hasPrefix(ZaeLimiterSchema.bucketPrefix) {
            guard let parts = Self.splitBucketKey(remainder.dropFirst(ZaeLimiterSchema.bucketPrefix.count)) else {
                return .ignored(.notBucket)
            }
            (entityId, resource) = parts
        } else if sk.hasPrefix(ZaeLimiterSchema.sortKeyBucketPrefix) {
            resource = String(sk.dropFirst(ZaeLimiterSchema.sortKeyBucketPrefix.count))
            guard !resource.isEmpty else { return .ignored(.notBucket) }
            entityId = newImage["entity_id"]?.s ?? ""
            guard !entityId.isEmpty else { return .ignored(.noEntityId) }
        } else {
            return .ignored(.notBucket)
        }
        if let reason = Self.check(newImage, "shard_count") { return .rejected(reason) }
        guard let entityCheck = newImage["entity_id"]?.s, !entityCheck.isEmpty else { return .ignored(.noEntityId) }

        // `rf` with a default of 0 (also when mistyped, as `.get("N", "0")` reads it).
        var timestamp: Int128 = 0
        var timestampInRange = true
        if let rf = newImage["rf"]?.n {
            switch PythonInteger.parse(rf) {
            case .success(let value): timestamp = value
            case .failure(.notAnInteger): return .rejected(.notAnInteger(attribute: "rf"))
            case .failure(.outOfRange): timestampInRange = false
            }
        }
        if let reason = Self.check(newImage, "vu") { return .rejected(reason) }

        // Pass 1: the counters, `b_{limit}_tc` as an N in both images.
        var counters: [Counter] = []
        for (attribute, value) in newImage {
            guard let limit = Self.limitName(ofCounter: attribute) else { continue }
            guard case .n(let newText) = value, let oldText = oldImage[attribute]?.n else { continue }
            let newTC: Int128
            let oldTC: Int128
            switch (PythonInteger.parse(newText), PythonInteger.parse(oldText)) {
            case (.success(let n), .success(let o)): (newTC, oldTC) = (n, o)
            case (.failure(.notAnInteger), _), (_, .failure(.notAnInteger)):
                return .rejected(.notAnInteger(attribute: attribute))
            default: return .rejected(.numberOutOfRange(attribute: attribute))
            }
            let (difference, overflow) = newTC.subtractingReportingOverflow(oldTC)
            if overflow { return .rejected(.numberOutOfRange(attribute: attribute)) }
            counters.append(Counter(limit: limit, difference: difference))
        }
        guard !counters.isEmpty else { return .ignored(.noCounters) }

        // Pass 2: every other integer the reference reads for those limits must convert too
        // (`tk`, `cp`, `ra`, `rp` read with a default, `ws` … `tu` only when present, `soft` as a
        // stamp), even for `wcu` and unchanged limits. One pass over the image, no lookups.
        for (attribute, value) in newImage {
            guard let (position, field) = Self.limitField(attribute, among: counters) else { continue }
            switch field {
            case .soft:
                // `decode_stamp`: any value marks the limit soft; only an N is converted.
                counters[position].soft = true
                if case .n(let text) = value, case .failure(.notAnInteger) = PythonInteger.parse(text) {
                    return .rejected(.notAnInteger(attribute: attribute))
                }
            case .tokens:
                guard case .n(let text) = value else { continue }
                switch PythonInteger.parse(text) {
                case .success(let tokens): counters[position].tokens = tokens
                case .failure(.notAnInteger): return .rejected(.notAnInteger(attribute: attribute))
                case .failure(.outOfRange): return .rejected(.numberOutOfRange(attribute: attribute))
                }
            case .other:
                if case .n(let text) = value, case .failure(.notAnInteger) = PythonInteger.parse(text) {
                    return .rejected(.notAnInteger(attribute: attribute))
                }
            }
        }

        var deltas: [UsageDelta] = []
        var rejectedLimits: [RejectionReason] = []
        for counter in counters where counter.limit != ZaeLimiterSchema.wcuLimitName && counter.difference != 0 {
            if ZaeLimiterSchema.snapshotAttributeNames.contains(counter.limit) {
                rejectedLimits.append(.limitNameCollides(limit: counter.limit))
                continue
            }
            deltas.append(
                UsageDelta(
                    namespaceId: namespaceId, entityId: entityId, resource: resource, limitName: counter.limit,
                    millitokens: counter.difference, timestampMilliseconds: timestamp,
                    overdrawn: counter.soft && counter.difference > 0 && counter.tokens < 0))
        }
        // The reference fails each snapshot write of such a record; no write, no count.
        if !deltas.isEmpty || !rejectedLimits.isEmpty,
            !timestampInRange || UsageWindow.hourly.key(forMilliseconds: timestamp) == nil
        {
            return .rejected(.timestampOutOfRange)
        }
        return .parsed(deltas: deltas, rejectedLimits: rejectedLimits)
    }

    /// `entity#resource#shard` → (entity, resource), as `parse_bucket_pk`: the shard is after
    /// the last `#` and must be an integer, the entity before the first `#` of the rest.
    static func splitBucketKey(_ rest: Substring) -> (String, String)? {
        guard let lastHash = rest.lastIndex(of: "#") else { return nil }
        let shard = rest[rest.index(after: lastHash)...]
        if case .failure(.notAnInteger) = PythonInteger.parse(String(shard)) { return nil }
        let entityResource = rest[..<lastHash]
        guard let firstHash = entityResource.firstIndex(of: "#") else { return nil }
        return (
            String(entityResource[..<firstHash]), String(entityResource[entityResource.index(after: firstHash)...])
        )
    }

    /// The limit of a `b_{limit}_tc` attribute name, split at the last `_` as the reference does.
    static func limitName(ofCounter attribute: String) -> String? {
        guard attribute.hasPrefix(ZaeLimiterSchema.bucketAttributePrefix) else { return nil }
        let rest = attribute.utf8.dropFirst(2)
        guard let underscore = rest.lastIndex(of: UInt8(ascii: "_")), underscore != rest.startIndex else { return nil }
        guard rest[rest.index(after: underscore)...].elementsEqual("tc".utf8) else { return nil }
        return String(Substring(rest[..<underscore]))
    }

    /// Whether an `N` attribute the reference converts with `int()` would convert. Only an `N`
    /// is read (a mistyped attribute reads as its default); a number too large for `Int128`
    /// is still an integer to Python, so only `.notAnInteger` fails here.
    private static func check(_ image: Item, _ name: String) -> RejectionReason? {
        guard let text = image[name]?.n else { return nil }
        if case .failure(.notAnInteger) = PythonInteger.parse(text) { return .notAnInteger(attribute: name) }
        return nil
    }
}
