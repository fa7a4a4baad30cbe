import AWSDynamoDB

@testable import ZaeLimiter

/// The parser as it was before the byte-level rewrite (string- and dictionary-based), kept
/// verbatim as an oracle: the optimised `BucketRecordParser` must give the same outcome on every
/// record (`ParserEquivalenceTests`).
struct OriginalBucketRecordParser: Sendable {

    /// One `b_{limit}_tc` found in both images, with what the other fields say of its limit.
    struct Counter {
        var limit: String
        var attribute: String
        var newText: String
        var oldText: String
        var difference: Int128 = 0
        var tokens: Int128 = 0
        var soft = false
    }

    enum Field { case tokens, soft, other }

    /// A `b_{limit}_{field}` attribute of an integer field, kept until the counted limits are known.
    struct FieldAttribute {
        var attribute: String
        var limit: String
        var value: AttributeValue
        var field: Field
    }

    /// What a NewImage attribute name is to the parser.
    enum AttributeKind {
        /// `b_{limit}_tc`.
        case counter(limit: String)
        /// `b_{limit}_{field}` of an integer field the reference converts.
        case field(limit: String, Field)
        case other
    }

    /// Classifies `b_{limit}_{field}` names, split at the last `_` as `bucket_attr` builds them;
    /// the field is matched as up to four packed bytes, so a name costs one scan.
    static func classify(_ attribute: String) -> AttributeKind {
        var name = attribute
        return name.withUTF8 { bytes -> AttributeKind in
            guard bytes.count > 4, bytes[0] == UInt8(ascii: "b"), bytes[1] == UInt8(ascii: "_") else { return .other }
            var underscore = bytes.count - 1
            while underscore > 1, bytes[underscore] != UInt8(ascii: "_") { underscore -= 1 }
            let fieldLength = bytes.count - underscore - 1
            guard underscore > 2, fieldLength >= 2, fieldLength <= 4 else { return .other }
            var code: UInt32 = 0
            for position in (underscore + 1)..<bytes.count { code = code << 8 | UInt32(bytes[position]) }
            let field: Field?
            switch code {
            case packed("tc"):
                return .counter(
                    limit: String(decoding: UnsafeBufferPointer(rebasing: bytes[2..<underscore]), as: UTF8.self))
            case packed("tk"): field = .tokens
            case packed("soft"): field = .soft
            case packed("cp"), packed("ra"), packed("rp"), packed("ws"), packed("rsa"), packed("wa"), packed("wtc"),
                packed("gc"), packed("tu"):
                field = .other
            default: field = nil
            }
            guard let field else { return .other }
            return .field(
                limit: String(decoding: UnsafeBufferPointer(rebasing: bytes[2..<underscore]), as: UTF8.self), field)
        }
    }

    private static func packed(_ text: StaticString) -> UInt32 {
        var code: UInt32 = 0
        text.withUTF8Buffer { for byte in $0 { code = code << 8 | UInt32(byte) } }
        return code
    }

    func parse(_ record: StreamRecord) -> BucketRecordParser.Outcome {
        guard record.eventName == .modify else { return .ignored(.notModify) }
        let newImage = record.newImage ?? [:]
        let oldImage = record.oldImage ?? [:]

        // One pass over the NewImage collects everything; the decisions below then follow the
        // reference's order, so that the same record is ignored or rejected for the same cause.
        var pk = ""
        var sk = ""
        var entityAttribute = ""
        var rfText: String?
        var shardCountText: String?
        var vuText: String?
        var counters: [Counter] = []
        var fields: [FieldAttribute] = []
        for (attribute, value) in newImage {
            switch Self.classify(attribute) {
            case .counter(let limit):
                if case .n(let newText) = value, let oldText = oldImage[attribute]?.n {
                    counters.append(Counter(limit: limit, attribute: attribute, newText: newText, oldText: oldText))
                }
                continue
            case .field(let limit, let field):
                fields.append(FieldAttribute(attribute: attribute, limit: limit, value: value, field: field))
                continue
            case .other: break
            }
            switch attribute {
            case "PK": pk = value.s ?? ""
            case "SK": sk = value.s ?? ""
            case "entity_id": entityAttribute = value.s ?? ""
            case "rf": rfText = value.n
            case "shard_count": shardCountText = value.n
            case "vu": vuText = value.n
            default: break
            }
        }

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
            entityId = entityAttribute
            guard !entityId.isEmpty else { return .ignored(.noEntityId) }
        } else {
            return .ignored(.notBucket)
        }
        if let reason = Self.check(shardCountText, "shard_count") { return .rejected(reason) }
        guard !entityAttribute.isEmpty else { return .ignored(.noEntityId) }

        // `rf` with a default of 0 (also when mistyped, as `.get("N", "0")` reads it).
        var timestamp: Int128 = 0
        var timestampInRange = true
        if let rfText {
            switch PythonInteger.parse(rfText) {
            case .success(let value): timestamp = value
            case .failure(.notAnInteger): return .rejected(.notAnInteger(attribute: "rf"))
            case .failure(.outOfRange): timestampInRange = false
            }
        }
        if let reason = Self.check(vuText, "vu") { return .rejected(reason) }

        // The counters: `b_{limit}_tc` as an N in both images.
        for index in counters.indices {
            let counter = counters[index]
            switch (PythonInteger.parse(counter.newText), PythonInteger.parse(counter.oldText)) {
            case (.success(let n), .success(let o)):
                let (difference, overflow) = n.subtractingReportingOverflow(o)
                if overflow { return .rejected(.numberOutOfRange(attribute: counter.attribute)) }
                counters[index].difference = difference
            case (.failure(.notAnInteger), _), (_, .failure(.notAnInteger)):
                return .rejected(.notAnInteger(attribute: counter.attribute))
            default: return .rejected(.numberOutOfRange(attribute: counter.attribute))
            }
        }
        guard !counters.isEmpty else { return .ignored(.noCounters) }

        // Every other integer the reference reads for those limits must convert too (`tk`, `cp`,
        // `ra`, `rp` with a default, `ws` … `tu` when present, `soft` as a stamp), even for `wcu`
        // and for unchanged limits.
        for entry in fields {
            guard let position = counters.firstIndex(where: { $0.limit == entry.limit }) else {
                continue
            }
            switch entry.field {
            case .soft:
                // `decode_stamp`: any value marks the limit soft; only an N is converted.
                counters[position].soft = true
                if let reason = Self.check(entry.value.n, entry.attribute) { return .rejected(reason) }
            case .tokens:
                guard case .n(let text) = entry.value else { continue }
                switch PythonInteger.parse(text) {
                case .success(let tokens): counters[position].tokens = tokens
                case .failure(.notAnInteger): return .rejected(.notAnInteger(attribute: entry.attribute))
                case .failure(.outOfRange): return .rejected(.numberOutOfRange(attribute: entry.attribute))
                }
            case .other:
                if let reason = Self.check(entry.value.n, entry.attribute) { return .rejected(reason) }
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
        if case .counter(let limit) = classify(attribute) { return limit }
        return nil
    }

    /// Whether the text of an `N` the reference converts with `int()` would convert (a number
    /// too large for `Int128` is still an integer to Python, so only `.notAnInteger` fails).
    private static func check(_ text: String?, _ name: String) -> RejectionReason? {
        guard let text else { return nil }
        if case .failure(.notAnInteger) = PythonInteger.parse(text) { return .notAnInteger(attribute: name) }
        return nil
    }
}
