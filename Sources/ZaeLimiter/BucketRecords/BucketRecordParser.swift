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
        var tag: LimitTag
        var attribute: String
        var newText: String
        var oldText: String
        var difference: Int128 = 0
        var tokens: Int128 = 0
        var soft = false
    }

    enum Field { case tokens, soft, other }

    /// A `b_{limit}_{field}` attribute of an integer field, kept until the counted limits are
    /// known; its limit is the attribute's UTF-8 bytes `2..<limitEnd` (no string is built).
    struct FieldAttribute {
        var attribute: String
        var limitEnd: Int
        var tag: LimitTag
        var value: AttributeValue
        var field: Field
    }

    /// What a NewImage attribute name is to the parser, from its bytes alone.
    enum AttributeKind: Equatable {
        /// `b_{limit}_tc`; the limit is bytes `2..<limitEnd`.
        case counter(limitEnd: Int, LimitTag)
        /// `b_{limit}_{field}` of an integer field the reference converts; `code` is the field's
        /// packed bytes (`FieldCode`).
        case field(limitEnd: Int, LimitTag, Field, code: UInt32)
        case partitionKey, sortKey, entityId, refillTime, shardCount, version
        case other
    }

    /// Classifies `b_{limit}_{field}` names, split at the last `_` as `bucket_attr` builds them
    /// (the field is matched as up to four packed bytes), and the few plain names the reference
    /// reads; one scan, no allocation.
    static func classify(_ bytes: UnsafeBufferPointer<UInt8>) -> AttributeKind {
        guard bytes.count > 4, bytes[0] == UInt8(ascii: "b"), bytes[1] == UInt8(ascii: "_") else {
            switch bytes.count {
            case 2 where bytes[1] == UInt8(ascii: "K"):
                if bytes[0] == UInt8(ascii: "P") { return .partitionKey }
                if bytes[0] == UInt8(ascii: "S") { return .sortKey }
                return .other
            case 2 where bytes[0] == UInt8(ascii: "r") && bytes[1] == UInt8(ascii: "f"): return .refillTime
            case 2 where bytes[0] == UInt8(ascii: "v") && bytes[1] == UInt8(ascii: "u"): return .version
            case 9 where same(bytes, "entity_id"): return .entityId
            case 11 where same(bytes, "shard_count"): return .shardCount
            default: return .other
            }
        }
        var underscore = bytes.count - 1
        while underscore > 1, bytes[underscore] != UInt8(ascii: "_") { underscore -= 1 }
        let fieldLength = bytes.count - underscore - 1
        guard underscore > 2, fieldLength >= 2, fieldLength <= 4 else { return .other }
        var code: UInt32 = 0
        for position in (underscore + 1)..<bytes.count { code = code << 8 | UInt32(bytes[position]) }
        let tag = LimitTag(UnsafeBufferPointer(rebasing: bytes[2..<underscore]))
        switch code {
        case FieldCode.tc: return .counter(limitEnd: underscore, tag)
        case FieldCode.tk: return .field(limitEnd: underscore, tag, .tokens, code: code)
        case FieldCode.soft: return .field(limitEnd: underscore, tag, .soft, code: code)
        case FieldCode.cp, FieldCode.ra, FieldCode.rp, FieldCode.ws, FieldCode.rsa, FieldCode.wa, FieldCode.wtc,
            FieldCode.gc, FieldCode.tu:
            return .field(limitEnd: underscore, tag, .other, code: code)
        default: return .other
        }
    }

    /// A limit name's length and first eight bytes: equal tags of names of up to eight bytes
    /// mean equal names, so matching fields to counters rarely touches the strings.
    struct LimitTag: Equatable {
        static let exactLength = 8
        var length: Int
        var head: UInt64

        init(_ limit: UnsafeBufferPointer<UInt8>) {
            length = limit.count
            head = 0
            for byte in limit.prefix(Self.exactLength) { head = head << 8 | UInt64(byte) }
        }
    }

    /// Field names as up to four packed bytes (literals, so that `classify` compares constants).
    enum FieldCode {
        static let tc: UInt32 = 0x7463
        static let tk: UInt32 = 0x746B
        static let soft: UInt32 = 0x736F_6674
        static let cp: UInt32 = 0x6370
        static let ra: UInt32 = 0x7261
        static let rp: UInt32 = 0x7270
        static let ws: UInt32 = 0x7773
        static let rsa: UInt32 = 0x72_7361
        static let wa: UInt32 = 0x7761
        static let wtc: UInt32 = 0x77_7463
        static let gc: UInt32 = 0x6763
        static let tu: UInt32 = 0x7475

        /// The packed form of `text`, for tests of the literals above.
        static func packed(_ text: StaticString) -> UInt32 {
            var code: UInt32 = 0
            text.withUTF8Buffer { for byte in $0 { code = code << 8 | UInt32(byte) } }
            return code
        }
    }

    /// The limit of a `b_{limit}_{field}` attribute: its UTF-8 bytes `2..<limitEnd`.
    static func limit(of attribute: String, end limitEnd: Int) -> String {
        var attribute = attribute
        return attribute.withUTF8 { String(decoding: UnsafeBufferPointer(rebasing: $0[2..<limitEnd]), as: UTF8.self) }
    }

    /// Whether `attribute`'s limit (UTF-8 bytes `2..<limitEnd`) is `limit`, without building it.
    static func limit(of attribute: String, end limitEnd: Int, is limit: String) -> Bool {
        var attribute = attribute
        var limit = limit
        return attribute.withUTF8 { name in
            limit.withUTF8 { limit in limit.count == limitEnd - 2 && name[2..<limitEnd].elementsEqual(limit) }
        }
    }

    public func parse(_ record: StreamRecord) -> Outcome {
        guard record.eventName == .modify else { return .ignored(.notModify) }
        if let lazyNew = record.lazyNewImage, record.lazyOldImage != nil || record.oldImage == nil,
            let outcome = parseLazy(lazyNew, record.lazyOldImage)
        {
            return outcome
        }
        // No NewImage reads as an empty one: no PK, so not a bucket.
        guard let newImage = record.newImage else { return .ignored(.notBucket) }
        let oldImage = record.oldImage

        // One pass over the NewImage collects everything; the decisions below then follow the
        // reference's order, so that the same record is ignored or rejected for the same cause.
        var pk = ""
        var sk = ""
        var entityAttribute = ""
        var rfText: String?
        var shardCountText: String?
        var vuText: String?
        var counters: [Counter] = []
        counters.reserveCapacity(4)
        var fields: [FieldAttribute] = []
        fields.reserveCapacity(newImage.count)
        for (attribute, value) in newImage {
            var name = attribute
            switch name.withUTF8({ Self.classify($0) }) {
            case .counter(let limitEnd, let tag):
                if case .n(let newText) = value, case .n(let oldText)? = oldImage?[attribute] {
                    counters.append(
                        Counter(
                            limit: Self.limit(of: attribute, end: limitEnd), tag: tag, attribute: attribute,
                            newText: newText, oldText: oldText))
                }
            case .field(let limitEnd, let tag, let field, _):
                fields.append(
                    FieldAttribute(attribute: attribute, limitEnd: limitEnd, tag: tag, value: value, field: field))
            case .partitionKey: pk = value.s ?? ""
            case .sortKey: sk = value.s ?? ""
            case .entityId: entityAttribute = value.s ?? ""
            case .refillTime: rfText = value.n
            case .shardCount: shardCountText = value.n
            case .version: vuText = value.n
            case .other: break
            }
        }

        let namespaceId: String
        let entityId: String
        let resource: String
        switch BucketKey(partitionKey: pk, sortKey: sk, entityAttribute: entityAttribute) {
        case .notBucket: return .ignored(.notBucket)
        case .noEntityId: return .ignored(.noEntityId)
        case .bucket(let namespace, let entity, let name): (namespaceId, entityId, resource) = (namespace, entity, name)
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
            switch (PythonInteger.parse(counters[index].newText), PythonInteger.parse(counters[index].oldText)) {
            case (.success(let n), .success(let o)):
                let (difference, overflow) = n.subtractingReportingOverflow(o)
                if overflow { return .rejected(.numberOutOfRange(attribute: counters[index].attribute)) }
                counters[index].difference = difference
            case (.failure(.notAnInteger), _), (_, .failure(.notAnInteger)):
                return .rejected(.notAnInteger(attribute: counters[index].attribute))
            default: return .rejected(.numberOutOfRange(attribute: counters[index].attribute))
            }
        }
        guard !counters.isEmpty else { return .ignored(.noCounters) }

        // Every other integer the reference reads for those limits must convert too (`tk`, `cp`,
        // `ra`, `rp` with a default, `ws` … `tu` when present, `soft` as a stamp), even for `wcu`
        // and for unchanged limits.
        for entry in fields {
            // The tag decides for names of up to 8 bytes; longer ones compare their bytes.
            var found: Int?
            for index in counters.indices where counters[index].tag == entry.tag {
                if entry.tag.length <= LimitTag.exactLength
                    || Self.limit(of: entry.attribute, end: entry.limitEnd, is: counters[index].limit)
                {
                    found = index
                    break
                }
            }
            guard let position = found else { continue }
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
        deltas.reserveCapacity(counters.count)
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
        if !deltas.isEmpty || !rejectedLimits.isEmpty, !timestampInRange || !UsageWindow.covers(timestamp) {
            return .rejected(.timestampOutOfRange)
        }
        return .parsed(deltas: deltas, rejectedLimits: rejectedLimits)
    }

    /// The limit of a `b_{limit}_tc` attribute name, split at the last `_` as the reference does.
    static func limitName(ofCounter attribute: String) -> String? {
        var name = attribute
        guard case .counter(let limitEnd, _) = name.withUTF8({ classify($0) }) else { return nil }
        return limit(of: attribute, end: limitEnd)
    }

    /// Whether the text of an `N` the reference converts with `int()` would convert (a number
    /// too large for `Int128` is still an integer to Python, so only `.notAnInteger` fails).
    private static func check(_ text: String?, _ name: String) -> RejectionReason? {
        guard let text else { return nil }
        if case .failure(.notAnInteger) = PythonInteger.parse(text) { return .notAnInteger(attribute: name) }
        return nil
    }
}
