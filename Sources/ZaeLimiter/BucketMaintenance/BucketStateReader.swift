import AWSCore
import AWSDynamoDB

/// Reads one MODIFY record of a new-layout bucket item into a `BucketState`, as the
/// reference's `_parse_bucket_record` reads it for `aggregate_bucket_states`.
///
/// Only `{ns}/BUCKET#{entity}#{resource}#{shard}` items with `SK = #STATE` are read: the
/// reference also reads the old `#BUCKET#` layout, but its refill and doubling would address
/// a different item for it, and the stack's filter never delivers those records anyway.
enum BucketStateReader {
    /// Why a record gives no bucket state.
    enum Outcome {
        case state(BucketState)
        /// Not a maintained bucket item, or one without a limit carrying `tc` in both images.
        case ignored
        /// An attribute the reference's `int()` rejects (it skips the record): a number that is
        /// not an integer, or, here, one beyond ±10^18 (kept out so that no product overflows).
        case malformed(attribute: String)
    }

    /// Values beyond this magnitude are treated as malformed (no real bucket comes near it).
    static let magnitudeLimit: Int128 = 1_000_000_000_000_000_000

    static func read(_ record: StreamRecord) -> Outcome {
        // The daemon's records: read in place (`BucketStateReader+LazyImages.swift`).
        if let lazyNew = record.lazyNewImage, record.lazyOldImage != nil || record.oldImage == nil,
            let outcome = readLazy(lazyNew, record.lazyOldImage)
        {
            return outcome
        }
        guard let (names, image) = orderedNewImage(record) else { return .ignored }
        return read(names: names, image: image, oldImage: record.oldImage)
    }

    /// The dictionary path: `names` are the NewImage's names in the order that numbers the limits.
    static func read(names: [String], image: Item, oldImage: Item?) -> Outcome {
        let pk = image["PK"]?.s ?? ""
        let sk = image["SK"]?.s ?? ""
        guard sk == ZaeLimiterSchema.bucketStateSortKey, let key = bucketKey(pk) else { return .ignored }
        guard let entity = image["entity_id"]?.s, !entity.isEmpty else { return .ignored }
        do {
            return try read(key: key, names: names, image: image, oldImage: oldImage ?? [:])
        } catch let failure as MalformedAttribute {
            return .malformed(attribute: failure.name)
        } catch let failure as UnreadableSchedule {
            return .malformed(attribute: failure.name)
        } catch {
            return .malformed(attribute: "?")
        }
    }

    struct MalformedAttribute: Error { var name: String }
    struct UnreadableSchedule: Error { var name: String }

    private static func read(key: BucketState.Key, names: [String], image: Item, oldImage: Item) throws -> Outcome {
        let shardCount = try number(image, "shard_count") ?? 1
        let refilledAt = try number(image, "rf") ?? 0
        let timeZone = image["sched_tz"]?.s ?? "UTC"
        let scheduleText = image["sched"]?.s
        var scheduleError: String?
        let schedule = try decode(scheduleText, timeZone, reset: false, error: &scheduleError, label: "item schedule")
        let resetText = image["rsched"]?.s
        let resetSchedule = try decode(
            resetText, timeZone, reset: true, error: &scheduleError, label: "item reset schedule")
        let validUntil = try number(image, "vu")
        var limitNames: [String] = []
        var limitStates: [BucketLimitState] = []
        for name in names {
            guard let limit = limitName(ofConsumedAttribute: name) else { continue }
            guard image[name]?.n != nil, oldImage[name]?.n != nil else { continue }
            let newConsumed = try number(image, name)!
            let oldConsumed = try number(oldImage, name)!
            func field(_ field: String) -> String { "b_\(limit)_\(field)" }
            var limitSchedule = schedule
            let limitText = image[field("sched")]?.s
            if limitText == "-" {
                limitSchedule = .none
            } else if let limitText, !limitText.isEmpty, limitText != scheduleText {
                var error: String?
                limitSchedule = try decode(limitText, timeZone, reset: false, error: &error, label: "\(limit) schedule")
                if let error { scheduleError = error }
            }
            var limitReset = resetSchedule
            let limitResetText = image[field("rsched")]?.s
            if limitResetText == "-" {
                limitReset = .none
            } else if let limitResetText, !limitResetText.isEmpty, limitResetText != resetText {
                var error: String?
                limitReset = try decode(
                    limitResetText, timeZone, reset: true, error: &error, label: "\(limit) reset schedule")
                if let error { scheduleError = error }
            }
            // The soft stamp is only read for presence, but the reference's int() still fails
            // the record on a non-integer number.
            _ = try number(image, field("soft"))
            let state = BucketLimitState(
                consumedDelta: newConsumed - oldConsumed,
                tokens: try number(image, field("tk")) ?? 0, capacity: try number(image, field("cp")) ?? 0,
                refillAmount: try number(image, field("ra")) ?? 0, refillPeriod: try number(image, field("rp")) ?? 0,
                schedule: limitSchedule, resetSchedule: limitReset,
                windowStart: try number(image, field("ws")), resetAfterSeconds: try number(image, field("rsa")),
                windowApplied: try number(image, field("wa")), consumed: newConsumed,
                windowConsumedMark: try number(image, field("wtc")), grantCount: try number(image, field("gc")),
                toppedUp: try number(image, field("tu")))
            // `names` holds each attribute once, so each limit comes once.
            limitNames.append(limit)
            limitStates.append(state)
        }
        guard !limitNames.isEmpty else { return .ignored }
        return .state(
            BucketState(
                key: key, refilledAt: refilledAt, shardCount: shardCount, schedule: schedule,
                scheduleText: scheduleText, resetSchedule: resetSchedule, validUntil: validUntil,
                scheduleError: scheduleError, limitNames: limitNames, limitStates: limitStates))
    }

    /// `{ns}/BUCKET#{entity}#{resource}#{shard}` split as `parse_bucket_pk` splits it.
    static func bucketKey(_ pk: String) -> BucketState.Key? {
        var pk = pk
        return pk.withUTF8 { bucketKey(bytes: $0) }
    }

    /// The same split on UTF-8 bytes (the delimiters are ASCII, so a byte split is Python's
    /// code-point split).
    static func bucketKey(bytes pk: UnsafeBufferPointer<UInt8>) -> BucketState.Key? {
        guard let slash = pk.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let restStart = slash + 1 + ZaeLimiterSchema.bucketPrefix.utf8.count
        guard pk.count >= restStart,
            BucketRecordParser.same(UnsafeBufferPointer(rebasing: pk[(slash + 1)..<restStart]), "BUCKET#")
        else { return nil }
        guard let lastHash = pk[restStart...].lastIndex(of: UInt8(ascii: "#")) else { return nil }
        guard
            case .success(let shard) = PythonInteger.parse(bytes: UnsafeBufferPointer(rebasing: pk[(lastHash + 1)...]))
        else { return nil }
        guard let firstHash = pk[restStart..<lastHash].firstIndex(of: UInt8(ascii: "#")) else { return nil }
        func text(_ range: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: pk[range]), as: UTF8.self)
        }
        return BucketState.Key(
            namespace: text(0..<slash), entity: text(restStart..<firstHash), resource: text((firstHash + 1)..<lastHash),
            shard: shard)
    }

    /// The limit of a `b_{limit}_tc` attribute name (split at the last `_`, on bytes as Python
    /// splits code points; the limit is not empty).
    static func limitName(ofConsumedAttribute name: String) -> String? {
        var name = name
        return name.withUTF8 { bytes in
            guard bytes.count > 5, BucketRecordParser.isCounterShaped(bytes) else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[2..<(bytes.count - 3)]), as: UTF8.self)
        }
    }

    /// An `N` attribute as Python's `int()` reads it; nil when absent or not a number.
    private static func number(_ item: Item, _ name: String) throws -> Int128? {
        guard let text = item[name]?.n else { return nil }
        return try checked(PythonInteger.parse(text), name)
    }

    /// A parsed number, or `MalformedAttribute(name)` when `int()` fails or it is too large.
    static func checked(_ parsed: Result<Int128, PythonInteger.Failure>, _ name: @autoclosure () -> String) throws
        -> Int128
    {
        guard case .success(let value) = parsed, value.magnitude <= magnitudeLimit.magnitude else {
            throw MalformedAttribute(name: name())
        }
        return value
    }

    /// A stored schedule; a Python `ValueError` sets `error` (refill leaves the bucket alone),
    /// any other failure skips the record, as the reference's decoder lets it escape.
    static func decode(
        _ text: String?, _ timeZone: String, reset: Bool, error: inout String?, label: String
    ) throws -> MaintenanceSchedule {
        guard let text, !text.isEmpty else { return .none }
        switch MaintenanceSchedule.decode(text, timeZone: timeZone, reset: reset) {
        case .success(let schedule):
            return schedule
        case .failure(.unreadable):
            throw UnreadableSchedule(name: label)
        case .failure(.invalid(let reason)):
            if error == nil || !label.hasPrefix("item") { error = "\(label) \(text) (\(timeZone)): \(reason)" }
            return .none
        }
    }

    /// The NewImage with its attribute names in the order the stream sent them (the reference
    /// iterates `json.loads` order; a repeated name keeps its first place). A record decoded
    /// eagerly has no order left: its names are then taken sorted.
    static func orderedNewImage(_ record: StreamRecord) -> ([String], Item)? {
        guard let image = record.newImage else { return nil }
        guard let lazy = record.lazyNewImage else { return (image.keys.sorted(), image) }
        var seen = Set<String>()
        var names: [String] = []
        lazy.withAttributes { view in
            for index in 0..<view.attributes.count {
                var name = String(decoding: view.name(index), as: UTF8.self)
                if lazy.hasEscapes, let unescaped = try? JSONValue.parse("\"\(name)\"").stringValue {
                    name = unescaped
                }
                if seen.insert(name).inserted { names.append(name) }
            }
        }
        return (names, image)
    }
}
