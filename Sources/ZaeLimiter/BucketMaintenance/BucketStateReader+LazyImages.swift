import AWSDynamoDB

/// `read` for records whose images `GetRecordsDecoder` left lazy: the same decisions in the same
/// order, made on the attributes' bytes in the page, so that neither image is built as a
/// dictionary and only the strings the state keeps (key parts, limit names, schedules) are.
///
/// Names are compared as bytes, as Python compares code points; an attribute the dictionary
/// would hold is its last occurrence, and a limit's place is that of its first `b_{limit}_tc`
/// (Python's dict order of the NewImage).
extension BucketStateReader {
    /// The integer and schedule fields of one limit in the NewImage: the index of each field's
    /// last occurrence, -1 when absent.
    struct LazyLimit {
        /// An attribute whose name bytes `2..<limitEnd` are the limit's name.
        var nameIndex: Int32
        var limitEnd: Int32
        /// Where the limit's first `b_{limit}_tc` came (its place in Python's iteration).
        var firstCounter = Int32.max
        // 32-bit indices keep the struct small: it is copied while the limits are sorted.
        var tc: Int32 = -1
        var tk: Int32 = -1
        var cp: Int32 = -1
        var ra: Int32 = -1
        var rp: Int32 = -1
        var ws: Int32 = -1
        var rsa: Int32 = -1
        var wa: Int32 = -1
        var wtc: Int32 = -1
        var gc: Int32 = -1
        var tu: Int32 = -1
        var soft: Int32 = -1
        var sched: Int32 = -1
        var rsched: Int32 = -1
        /// The OldImage's last `b_{limit}_tc`.
        var oldCounter: Int32 = -1

        /// The limit's name bytes in `view` (the NewImage's).
        @inline(__always)
        func name(in view: LazyItem.View) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: view.name(Int(nameIndex))[2..<Int(limitEnd)])
        }
    }

    /// Field names after the last `_` of `b_{limit}_{field}`: a 1 byte, then the field's bytes
    /// (the leading 1 keeps names that differ by leading NUL bytes apart).
    enum LazyFieldCode {
        static let tc: UInt64 = 0x01_7463
        static let tk: UInt64 = 0x01_746B
        static let cp: UInt64 = 0x01_6370
        static let ra: UInt64 = 0x01_7261
        static let rp: UInt64 = 0x01_7270
        static let ws: UInt64 = 0x01_7773
        static let wa: UInt64 = 0x01_7761
        static let gc: UInt64 = 0x01_6763
        static let tu: UInt64 = 0x01_7475
        static let rsa: UInt64 = 0x0172_7361
        static let wtc: UInt64 = 0x0177_7463
        static let soft: UInt64 = 0x01_736F_6674
        static let sched: UInt64 = 0x0173_6368_6564
        static let rsched: UInt64 = 0x01_7273_6368_6564

        /// The code of `text`, for tests of the literals above.
        static func packed(_ text: StaticString) -> UInt64 {
            var code: UInt64 = 1
            text.withUTF8Buffer { for byte in $0 { code = code << 8 | UInt64(byte) } }
            return code
        }
    }

    /// Nil when an image had escapes (their spans are not their text): use the dictionary path.
    static func readLazy(_ new: LazyItem, _ old: LazyItem?) -> Outcome? {
        if new.hasEscapes || old?.hasEscapes == true { return nil }
        return new.withAttributes { newView in
            if let old { return old.withAttributes { readLazy(newView, oldView: $0) } }
            return readLazy(newView, oldView: nil)
        }
    }

    private static func readLazy(_ view: LazyItem.View, oldView: LazyItem.View?) -> Outcome {
        var pk = -1
        var sk = -1
        var entity = -1
        var shardCount = -1
        var rf = -1
        var vu = -1
        var timeZone = -1
        var sched = -1
        var rsched = -1
        var limits: [LazyLimit] = []
        limits.reserveCapacity(4)
        for index in view.attributes.indices {
            let name = view.name(index)
            let count = name.count
            if count > 4, name[0] == UInt8(ascii: "b"), name[1] == UInt8(ascii: "_") {
                var underscore = count - 1
                while underscore > 1, name[underscore] != UInt8(ascii: "_") { underscore -= 1 }
                // `rest.rfind("_") <= 0`: no limit name. Fields are at most 6 bytes.
                guard underscore > 2, count - underscore - 1 <= 6 else { continue }
                var code: UInt64 = 1
                for position in (underscore + 1)..<count { code = code << 8 | UInt64(name[position]) }
                let limitName = UnsafeBufferPointer(rebasing: name[2..<underscore])
                var position = 0
                while position < limits.count {
                    if limits[position].limitEnd == underscore
                        && BucketRecordParser.same(limits[position].name(in: view), limitName)
                    {
                        break
                    }
                    position += 1
                }
                func slot() -> Int {
                    if position == limits.count {
                        limits.append(LazyLimit(nameIndex: Int32(index), limitEnd: Int32(underscore)))
                    }
                    return position
                }
                let here = Int32(index)
                switch code {
                case LazyFieldCode.tc:
                    _ = slot()
                    limits[position].tc = here
                    limits[position].firstCounter = min(limits[position].firstCounter, here)
                case LazyFieldCode.tk: limits[slot()].tk = here
                case LazyFieldCode.cp: limits[slot()].cp = here
                case LazyFieldCode.ra: limits[slot()].ra = here
                case LazyFieldCode.rp: limits[slot()].rp = here
                case LazyFieldCode.ws: limits[slot()].ws = here
                case LazyFieldCode.rsa: limits[slot()].rsa = here
                case LazyFieldCode.wa: limits[slot()].wa = here
                case LazyFieldCode.wtc: limits[slot()].wtc = here
                case LazyFieldCode.gc: limits[slot()].gc = here
                case LazyFieldCode.tu: limits[slot()].tu = here
                case LazyFieldCode.soft: limits[slot()].soft = here
                case LazyFieldCode.sched: limits[slot()].sched = here
                case LazyFieldCode.rsched: limits[slot()].rsched = here
                default: break
                }
                continue
            }
            switch count {
            case 2:
                let pair = UInt16(name[0]) << 8 | UInt16(name[1])
                switch pair {
                case 0x504B: pk = index  // PK
                case 0x534B: sk = index  // SK
                case 0x7266: rf = index  // rf
                case 0x7675: vu = index  // vu
                default: break
                }
            case 5 where BucketRecordParser.same(name, "sched"): sched = index
            case 6 where BucketRecordParser.same(name, "rsched"): rsched = index
            case 8 where BucketRecordParser.same(name, "sched_tz"): timeZone = index
            case 9 where BucketRecordParser.same(name, "entity_id"): entity = index
            case 11 where BucketRecordParser.same(name, "shard_count"): shardCount = index
            default: break
            }
        }

        // A value of another type reads as absent (`.get("S", "")`, `.get("N")`).
        func text(_ index: Int32, _ type: LazyItem.ValueType) -> UnsafeBufferPointer<UInt8>? {
            text(Int(index), type)
        }
        func text(_ index: Int, _ type: LazyItem.ValueType) -> UnsafeBufferPointer<UInt8>? {
            index >= 0 && view.attributes[index].type == type ? view.text(index) : nil
        }
        func string(_ index: Int) -> String? { text(index, .s).map { String(decoding: $0, as: UTF8.self) } }
        func string(_ index: Int32) -> String? { string(Int(index)) }
        func number(_ index: Int, _ name: @autoclosure () -> String) throws -> Int128? {
            guard let bytes = text(index, .n) else { return nil }
            return try checked(PythonInteger.parse(bytes: bytes), name())
        }
        // A limit field: the attribute's name is built only to report it malformed.
        func number(_ index: Int32) throws -> Int128? {
            guard let bytes = text(index, .n) else { return nil }
            return try checked(
                PythonInteger.parse(bytes: bytes), String(decoding: view.name(Int(index)), as: UTF8.self))
        }

        guard let skBytes = text(sk, .s), BucketRecordParser.same(skBytes, "#STATE"),
            let key = bucketKey(bytes: text(pk, .s) ?? UnsafeBufferPointer(start: nil, count: 0))
        else { return .ignored }
        guard let entityBytes = text(entity, .s), !entityBytes.isEmpty else { return .ignored }
        do {
            let shardCount = try number(shardCount, "shard_count") ?? 1
            let refilledAt = try number(rf, "rf") ?? 0
            let timeZone = string(timeZone) ?? "UTC"
            let scheduleText = string(sched)
            var scheduleError: String?
            let schedule = try decode(
                scheduleText, timeZone, reset: false, error: &scheduleError, label: "item schedule")
            let resetText = string(rsched)
            let resetSchedule = try decode(
                resetText, timeZone, reset: true, error: &scheduleError, label: "item reset schedule")
            let validUntil = try number(vu, "vu")

            // The limits whose `tc` is an N in both images, in the order of their first `tc`.
            if let oldView {
                for index in oldView.attributes.indices where BucketRecordParser.isCounterShaped(oldView.name(index)) {
                    let name = oldView.name(index)
                    let limitName = UnsafeBufferPointer(rebasing: name[2..<(name.count - 3)])
                    for position in limits.indices
                    where limits[position].limitEnd == name.count - 3
                        && BucketRecordParser.same(limits[position].name(in: view), limitName)
                    {
                        limits[position].oldCounter = Int32(index)
                        break
                    }
                }
                limits.removeAll {
                    !($0.tc >= 0 && view.attributes[Int($0.tc)].type == .n && $0.oldCounter >= 0
                        && oldView.attributes[Int($0.oldCounter)].type == .n)
                }
                if limits.count > 1 { limits.sort { $0.firstCounter < $1.firstCounter } }
            } else {
                limits.removeAll()
            }

            var limitNames: [String] = []
            limitNames.reserveCapacity(limits.count)
            var limitStates: [BucketLimitState] = []
            limitStates.reserveCapacity(limits.count)
            for limit in limits {
                let counter = Int(limit.tc)
                func counterName() -> String { String(decoding: view.name(counter), as: UTF8.self) }
                let newConsumed = try checked(PythonInteger.parse(bytes: view.text(counter)), counterName())
                let oldConsumed = try checked(
                    PythonInteger.parse(bytes: oldView!.text(Int(limit.oldCounter))), counterName())
                let name = String(decoding: limit.name(in: view), as: UTF8.self)
                var limitSchedule = schedule
                let limitText = string(limit.sched)
                if limitText == ZaeLimiterSchema.scheduleNone {
                    limitSchedule = .none
                } else if let limitText, !limitText.isEmpty, limitText != scheduleText {
                    var error: String?
                    limitSchedule = try decode(
                        limitText, timeZone, reset: false, error: &error, label: "\(name) schedule")
                    if let error { scheduleError = error }
                }
                var limitReset = resetSchedule
                let limitResetText = string(limit.rsched)
                if limitResetText == ZaeLimiterSchema.scheduleNone {
                    limitReset = .none
                } else if let limitResetText, !limitResetText.isEmpty, limitResetText != resetText {
                    var error: String?
                    limitReset = try decode(
                        limitResetText, timeZone, reset: true, error: &error, label: "\(name) reset schedule")
                    if let error { scheduleError = error }
                }
                // The soft stamp is only read for presence, but `int()` still fails the record.
                _ = try number(limit.soft)
                let state = BucketLimitState(
                    consumedDelta: newConsumed - oldConsumed,
                    tokens: try number(limit.tk) ?? 0,
                    capacity: try number(limit.cp) ?? 0,
                    refillAmount: try number(limit.ra) ?? 0,
                    refillPeriod: try number(limit.rp) ?? 0,
                    schedule: limitSchedule, resetSchedule: limitReset,
                    windowStart: try number(limit.ws),
                    resetAfterSeconds: try number(limit.rsa),
                    windowApplied: try number(limit.wa), consumed: newConsumed,
                    windowConsumedMark: try number(limit.wtc),
                    grantCount: try number(limit.gc),
                    toppedUp: try number(limit.tu))
                limitNames.append(name)
                limitStates.append(state)
            }
            guard !limitNames.isEmpty else { return .ignored }
            return .state(
                BucketState(
                    key: key, refilledAt: refilledAt, shardCount: shardCount, schedule: schedule,
                    scheduleText: scheduleText, resetSchedule: resetSchedule, validUntil: validUntil,
                    scheduleError: scheduleError, limitNames: limitNames, limitStates: limitStates))
        } catch let failure as MalformedAttribute {
            return .malformed(attribute: failure.name)
        } catch let failure as UnreadableSchedule {
            return .malformed(attribute: failure.name)
        } catch {
            return .malformed(attribute: "?")
        }
    }
}
