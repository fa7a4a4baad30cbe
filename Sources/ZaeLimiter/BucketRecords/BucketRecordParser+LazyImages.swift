import AWSDynamoDB

/// `parse` for records whose images `GetRecordsDecoder` left lazy: the same decisions, made on
/// the attributes' bytes in the page, so that no image dictionary and almost no string is built.
///
/// The attributes come in page order, a repeated name once per occurrence: every attribute the
/// decisions read keeps its last occurrence, as the dictionary does. Where a record has several
/// faults of the same step, the one named is the first in page order (the dictionary path names
/// the first in hash order; the reference raises at one of them too).
extension BucketRecordParser {
    /// A `b_{limit}_tc` of the NewImage (its last occurrence).
    struct LazyCounter {
        var index: Int
        var limitEnd: Int
        var tag: LimitTag
        var oldIndex = -1
        var difference: Int128 = 0
        var tokens: Int128 = 0
        var soft = false
    }

    /// A `b_{limit}_{field}` integer field of the NewImage (its last occurrence).
    struct LazyField {
        var index: Int
        var limitEnd: Int
        var tag: LimitTag
        var field: Field
        var code: UInt32
    }

    /// Nil when the images had escapes (their spans are not their text): use the dictionary path.
    func parseLazy(_ new: LazyItem, _ old: LazyItem?) -> Outcome? {
        if new.hasEscapes || old?.hasEscapes == true { return nil }
        return new.withAttributes { newView in
            if let old { return old.withAttributes { parse(newView, oldView: $0) } }
            return parse(newView, oldView: nil)
        }
    }

    private func parse(_ view: LazyItem.View, oldView: LazyItem.View?) -> Outcome {
        var pk = -1
        var sk = -1
        var entity = -1
        var rf = -1
        var shardCount = -1
        var vu = -1
        var counters: [LazyCounter] = []
        counters.reserveCapacity(4)
        var fields: [LazyField] = []
        fields.reserveCapacity(view.attributes.count)
        for index in view.attributes.indices {
            let name = view.name(index)
            switch Self.classify(name) {
            case .counter(let limitEnd, let tag):
                // A repeated name replaces the earlier one. Equal tags of names up to 8 bytes are
                // equal limits; longer ones compare their bytes.
                let exact = tag.length <= LimitTag.exactLength
                if let earlier = counters.firstIndex(where: {
                    $0.tag == tag && (exact || Self.same(view.name($0.index), name))
                }) {
                    counters[earlier].index = index
                } else {
                    counters.append(LazyCounter(index: index, limitEnd: limitEnd, tag: tag))
                }
            case .field(let limitEnd, let tag, let field, let code):
                let exact = tag.length <= LimitTag.exactLength
                if let earlier = fields.firstIndex(where: {
                    $0.code == code && $0.tag == tag && (exact || Self.same(view.name($0.index), name))
                }) {
                    fields[earlier].index = index
                } else {
                    fields.append(LazyField(index: index, limitEnd: limitEnd, tag: tag, field: field, code: code))
                }
            case .partitionKey: pk = index
            case .sortKey: sk = index
            case .entityId: entity = index
            case .refillTime: rf = index
            case .shardCount: shardCount = index
            case .version: vu = index
            case .other: break
            }
        }

        // A value of another type reads as absent (`.get("S", "")`, `.get("N")`).
        func text(_ index: Int, _ type: LazyItem.ValueType) -> UnsafeBufferPointer<UInt8>? {
            index >= 0 && view.attributes[index].type == type ? view.text(index) : nil
        }
        let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        let entityBytes = text(entity, .s) ?? empty
        let namespaceId: String
        let entityId: String
        let resource: String
        switch BucketKey(
            partitionKey: text(pk, .s) ?? empty, sortKey: text(sk, .s) ?? empty, entityAttribute: entityBytes)
        {
        case .notBucket: return .ignored(.notBucket)
        case .noEntityId: return .ignored(.noEntityId)
        case .bucket(let namespace, let entity, let name): (namespaceId, entityId, resource) = (namespace, entity, name)
        }
        if let reason = Self.check(text(shardCount, .n), "shard_count") { return .rejected(reason) }
        guard !entityBytes.isEmpty else { return .ignored(.noEntityId) }

        var timestamp: Int128 = 0
        var timestampInRange = true
        if let rfText = text(rf, .n) {
            switch PythonInteger.parse(bytes: rfText) {
            case .success(let value): timestamp = value
            case .failure(.notAnInteger): return .rejected(.notAnInteger(attribute: "rf"))
            case .failure(.outOfRange): timestampInRange = false
            }
        }
        if let reason = Self.check(text(vu, .n), "vu") { return .rejected(reason) }

        // The counters: `b_{limit}_tc` as an N in both images (the OldImage's last occurrence).
        var kept = 0
        if let oldView {
            // Only OldImage names shaped `b_…_tc` can equal a counter's: list them once.
            var oldCounters: [Int] = []
            oldCounters.reserveCapacity(counters.count)
            for index in oldView.attributes.indices where Self.isCounterShaped(oldView.name(index)) {
                oldCounters.append(index)
            }
            for index in counters.indices where view.attributes[counters[index].index].type == .n {
                let name = view.name(counters[index].index)
                guard let oldIndex = oldCounters.last(where: { Self.same(oldView.name($0), name) }),
                    oldView.attributes[oldIndex].type == .n
                else { continue }
                counters[kept] = counters[index]
                counters[kept].oldIndex = oldIndex
                kept += 1
            }
        }
        counters.removeLast(counters.count - kept)
        for index in counters.indices {
            let counter = counters[index]
            switch (
                PythonInteger.parse(bytes: view.text(counter.index)),
                PythonInteger.parse(bytes: oldView!.text(counter.oldIndex))
            ) {
            case (.success(let n), .success(let o)):
                let (difference, overflow) = n.subtractingReportingOverflow(o)
                if overflow { return .rejected(.numberOutOfRange(attribute: Self.string(view.name(counter.index)))) }
                counters[index].difference = difference
            case (.failure(.notAnInteger), _), (_, .failure(.notAnInteger)):
                return .rejected(.notAnInteger(attribute: Self.string(view.name(counter.index))))
            default: return .rejected(.numberOutOfRange(attribute: Self.string(view.name(counter.index))))
            }
        }
        guard !counters.isEmpty else { return .ignored(.noCounters) }

        func limit(_ index: Int, _ limitEnd: Int) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: view.name(index)[2..<limitEnd])
        }
        for entry in fields {
            guard
                let position = counters.firstIndex(where: {
                    $0.tag == entry.tag
                        && (entry.tag.length <= LimitTag.exactLength
                            || Self.same(limit($0.index, $0.limitEnd), limit(entry.index, entry.limitEnd)))
                })
            else { continue }
            let type = view.attributes[entry.index].type
            let value = type == .n ? view.text(entry.index) : nil
            switch entry.field {
            case .soft:
                counters[position].soft = true
                if let reason = Self.check(value, Self.string(view.name(entry.index))) { return .rejected(reason) }
            case .tokens:
                guard let value else { continue }
                switch PythonInteger.parse(bytes: value) {
                case .success(let tokens): counters[position].tokens = tokens
                case .failure(.notAnInteger):
                    return .rejected(.notAnInteger(attribute: Self.string(view.name(entry.index))))
                case .failure(.outOfRange):
                    return .rejected(.numberOutOfRange(attribute: Self.string(view.name(entry.index))))
                }
            case .other:
                if let reason = Self.check(value, Self.string(view.name(entry.index))) { return .rejected(reason) }
            }
        }

        var deltas: [UsageDelta] = []
        deltas.reserveCapacity(counters.count)
        var rejectedLimits: [RejectionReason] = []
        for counter in counters where counter.difference != 0 {
            let limitName = Self.string(limit(counter.index, counter.limitEnd))
            if limitName == ZaeLimiterSchema.wcuLimitName { continue }
            if ZaeLimiterSchema.snapshotAttributeNames.contains(limitName) {
                rejectedLimits.append(.limitNameCollides(limit: limitName))
                continue
            }
            deltas.append(
                UsageDelta(
                    namespaceId: namespaceId, entityId: entityId, resource: resource, limitName: limitName,
                    millitokens: counter.difference, timestampMilliseconds: timestamp,
                    overdrawn: counter.soft && counter.difference > 0 && counter.tokens < 0))
        }
        if !deltas.isEmpty || !rejectedLimits.isEmpty, !timestampInRange || !UsageWindow.covers(timestamp) {
            return .rejected(.timestampOutOfRange)
        }
        return .parsed(deltas: deltas, rejectedLimits: rejectedLimits)
    }

    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// `check` on the bytes of an `N`; the attribute name is built only for a rejection.
    static func check(_ text: UnsafeBufferPointer<UInt8>?, _ name: @autoclosure () -> String) -> RejectionReason? {
        guard let text else { return nil }
        if case .failure(.notAnInteger) = PythonInteger.parse(bytes: text) { return .notAnInteger(attribute: name()) }
        return nil
    }

    /// `b_…_tc`: a superset of the names `classify` takes for counters.
    @inline(__always)
    static func isCounterShaped(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = name.count
        return count > 4 && name[0] == UInt8(ascii: "b") && name[1] == UInt8(ascii: "_")
            && name[count - 3] == UInt8(ascii: "_") && name[count - 2] == UInt8(ascii: "t")
            && name[count - 1] == UInt8(ascii: "c")
    }

    @inline(__always)
    static func same(_ bytes: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
        same(bytes, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }

    /// Byte equality, eight at a time (attribute names are mostly 8–12 bytes).
    @inline(__always)
    static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return true }
        var offset = 0
        while offset + 8 <= a.count {
            if UnsafeRawPointer(pa + offset).loadUnaligned(as: UInt64.self)
                != UnsafeRawPointer(pb + offset).loadUnaligned(as: UInt64.self)
            {
                return false
            }
            offset += 8
        }
        while offset < a.count {
            if pa[offset] != pb[offset] { return false }
            offset += 1
        }
        return true
    }
}
