import AWSCore

/// Decodes a GetRecords response body straight from its bytes into `StreamRecord`s and
/// `AttributeValue`s, without building a `JSONValue` tree: the daemon's hot path.
///
/// It reads with `JSONReader` (bounds-checked pointer scanning, strings returned in place when
/// they need no unescaping), validates the whole document as strictly as `JSONValue.parse`
/// (skipped members included), and follows the same rules as the reference path
/// `GetRecordsOutput(json:)`: unknown members are skipped, a repeated member keeps its last
/// value, optional members may be absent or `null`. Malformed JSON and the wrong shape both
/// throw `JSONParseError` with the byte offset; no input traps.
public enum GetRecordsDecoder {
    /// How the records' NewImage and OldImage are decoded.
    public enum Images: Sendable {
        /// As `LazyItem`s over the page (validated in full, materialised on demand).
        case lazy
        /// As `Item` dictionaries.
        case eager
    }

    /// Decodes one GetRecords response body. With `keyFilter` (lazy images only), the images of
    /// records it rejects are passed over by structure instead of decoded (see
    /// `RecordKeyFilter`): malformed JSON inside them is then not an error.
    public static func decode(
        _ bytes: [UInt8], images: Images = .lazy, keyFilter: RecordKeyFilter? = nil
    ) throws(JSONParseError) -> GetRecordsOutput {
        // Lazy spans are 32-bit offsets; a larger body (never sent by the service) goes eager.
        let page = images == .lazy && bytes.count <= Int(UInt32.max) ? bytes : nil
        // withUnsafeBytes erases typed throws, so carry the outcome out in a Result.
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in
                var parser = Parser(reader: JSONReader(buffer), page: page)
                parser.keyFilter = page == nil ? nil : keyFilter
                return try parser.readPage()
            }
        }
        return try result.get()
    }

    /// Decodes one GetRecords response body from borrowed bytes (copied when images are lazy).
    public static func decode(
        _ buffer: UnsafeRawBufferPointer, images: Images = .lazy, keyFilter: RecordKeyFilter? = nil
    ) throws(JSONParseError) -> GetRecordsOutput {
        if images == .lazy { return try decode(Array(buffer), images: .lazy, keyFilter: keyFilter) }
        var parser = Parser(reader: JSONReader(buffer))
        return try parser.readPage()
    }
}

extension GetRecordsDecoder {
    /// The reader plus the decoder's reusable state.
    struct Parser {
        var reader: JSONReader
        /// The page's bytes when images are read lazily.
        let page: [UInt8]?
        /// Members of the items being read, innermost last: an item is built only once its
        /// size is known, so its dictionary never grows (and rehashes) while it fills.
        var pending: [(name: String, value: AttributeValue)] = []
        /// Whose images may be passed over (lazy images only).
        var keyFilter: RecordKeyFilter?
        /// The records the key filter rejected so far.
        var skipped = SkippedRecords()
        /// Attribute storage for Keys, reused while no record keeps it (`readLazyKeys`).
        var keyStorage: [LazyItem.Attribute] = []

        init(reader: JSONReader, page: [UInt8]? = nil) {
            self.reader = reader
            self.page = page
            if let page { skipped = SkippedRecords(page: page) }
        }
    }
}

extension GetRecordsDecoder.Parser {
    mutating func readPage() throws(JSONParseError) -> GetRecordsOutput {
        var records: [StreamRecord] = []
        var nextShardIterator: String?
        if try reader.enterObject() {
            repeat {
                let name = try reader.readMemberName()
                if name.spells("Records") {
                    records = try readRecords()
                } else if name.spells("NextShardIterator") {
                    nextShardIterator = try readOptionalString()
                } else {
                    try reader.skipValue()
                }
            } while try reader.nextMember()
        }
        try reader.finish()
        return GetRecordsOutput(records: records, skipped: skipped, nextShardIterator: nextShardIterator)
    }

    mutating func readRecords() throws(JSONParseError) -> [StreamRecord] {
        var records: [StreamRecord] = []
        // A repeated Records member replaces the earlier one, skipped records included.
        skipped.entries.removeAll(keepingCapacity: true)
        skipped.spelled.removeAll()
        if try reader.readNullIfPresent() { return records }
        if try reader.enterArray() {
            records.reserveCapacity(128)
            repeat { try readRecord(into: &records) } while try reader.nextElement()
        }
        return records
    }

    /// Reads one record into `records`, or into `skipped` when the key filter rejected it.
    mutating func readRecord(into records: inout [StreamRecord]) throws(JSONParseError) {
        var retry = false
        guard keyFilter != nil else { return try readRecord(skipping: false, into: &records, retry: &retry) }
        let saved = reader
        try readRecord(skipping: true, into: &records, retry: &retry)
        guard retry else { return }
        // A repeated eventName or Keys member came after images were skipped on the strength of
        // an earlier one: read the record again in full (never on a stream DynamoDB writes).
        reader = saved
        try readRecord(skipping: false, into: &records, retry: &retry)
    }

    /// Reads one record; `skipping` lets the key filter pass over images. Sets `retry` (and
    /// stores nothing) when a skip was decided on an eventName or Keys that a later repeated
    /// member replaced. The record is appended here rather than returned: returning it (an
    /// optional of 250 bytes) copied it several times, skipped records included. The envelope's
    /// strings are validated where they are read but built only for a record that is kept.
    mutating func readRecord(skipping: Bool, into records: inout [StreamRecord], retry: inout Bool)
        throws(JSONParseError)
    {
        let start = reader.offset
        var eventID: DeferredString?
        var eventName: StreamRecord.EventName?
        var eventVersion: String?
        var eventSource: String?
        var awsRegion: DeferredString?
        var change = Change()
        var hasChange = false
        var principal: String?
        if try reader.enterObject() {
            repeat {
                let name = try reader.readMemberName()
                if name.spells("eventID") {
                    eventID = try readDeferredString()
                } else if name.spells("eventName") {
                    eventName = try readOptionalEventName()
                } else if name.spells("eventVersion") {
                    eventVersion = try readOptionalKnownString()
                } else if name.spells("eventSource") {
                    eventSource = try readOptionalKnownString()
                } else if name.spells("awsRegion") {
                    awsRegion = try readDeferredString()
                } else if name.spells("dynamodb") {
                    hasChange = try !reader.readNullIfPresent()
                    if hasChange { try readChange(into: &change, skippingFor: skipping ? eventName : nil) }
                } else if name.spells("userIdentity") {
                    principal = try readPrincipal()
                } else {
                    try reader.skipValue()
                }
            } while try reader.nextMember()
        }
        guard let eventID, eventID != .null else {
            throw JSONParseError(offset: start, reason: .unexpectedShape("member eventID"))
        }
        guard let eventName else { throw JSONParseError(offset: start, reason: .unexpectedShape("member eventName")) }
        guard hasChange else { throw JSONParseError(offset: start, reason: .unexpectedShape("member dynamodb")) }
        if change.retry || change.skippedFor.map({ $0 != eventName }) == true {
            retry = true
            return
        }
        if change.skippedFor != nil {
            if let spelled = change.spelledSequenceNumber {
                skipped.append(position: records.count, spelled: spelled, seconds: change.seconds)
            } else {
                skipped.append(position: records.count, digits: change.sequenceDigits!, seconds: change.seconds)
            }
            return
        }
        let digits = change.sequenceDigits!
        let sequenceNumber =
            change.spelledSequenceNumber
            ?? SequenceNumber(
                canonical: String(
                    decoding: reader.documentBytes(from: digits.lowerBound, to: digits.upperBound), as: UTF8.self))
        if page != nil {
            records.append(
                StreamRecord(
                    eventID: string(eventID)!, eventName: eventName, eventVersion: eventVersion,
                    eventSource: eventSource, awsRegion: awsRegion.flatMap(string),
                    approximateCreationDateTime: change.seconds,
                    lazyKeys: change.lazyKeys!, lazyNewImage: change.lazyNewImage, lazyOldImage: change.lazyOldImage,
                    sequenceNumber: sequenceNumber, sizeBytes: change.sizeBytes,
                    streamViewType: change.streamViewType, userIdentityPrincipal: principal))
            return
        }
        records.append(
            StreamRecord(
                eventID: string(eventID)!, eventName: eventName, eventVersion: eventVersion,
                eventSource: eventSource, awsRegion: awsRegion.flatMap(string),
                approximateCreationDateTime: change.seconds,
                keys: change.keys ?? [:], newImage: change.newImage, oldImage: change.oldImage,
                sequenceNumber: sequenceNumber, sizeBytes: change.sizeBytes,
                streamViewType: change.streamViewType, userIdentityPrincipal: principal))
    }

    /// A string member read and validated, built later (only for records that are kept).
    enum DeferredString: Equatable {
        case null
        /// Its bytes in the document (no escapes).
        case span(Int, Int)
        case built(String)
    }

    mutating func readDeferredString() throws(JSONParseError) -> DeferredString {
        if try reader.readNullIfPresent() { return .null }
        let text = try reader.readStringBytes()
        guard let start = reader.documentOffset(of: text) else { return .built(String(decoding: text, as: UTF8.self)) }
        return .span(start, start + text.count)
    }

    func string(_ deferred: DeferredString) -> String? {
        switch deferred {
        case .null: return nil
        case .span(let start, let end):
            return String(decoding: reader.documentBytes(from: start, to: end), as: UTF8.self)
        case .built(let text): return text
        }
    }

    mutating func readPrincipal() throws(JSONParseError) -> String? {
        if try reader.readNullIfPresent() { return nil }
        var principal: String?
        if try reader.enterObject() {
            repeat {
                if try reader.readMemberName().spells("PrincipalId") {
                    principal = try readOptionalString()
                } else {
                    try reader.skipValue()
                }
            } while try reader.nextMember()
        }
        return principal
    }

    mutating func readOptionalEventName() throws(JSONParseError) -> StreamRecord.EventName? {
        if try reader.readNullIfPresent() { return nil }
        let text = try reader.readStringBytes()
        if text.spells("MODIFY") { return .modify }
        if text.spells("INSERT") { return .insert }
        if text.spells("REMOVE") { return .remove }
        return .other(String(decoding: text, as: UTF8.self))
    }

    /// A string that is mostly one of a few constants (`eventSource`, `eventVersion`,
    /// `StreamViewType`): those are returned as literals, without building a string per record.
    mutating func readOptionalKnownString() throws(JSONParseError) -> String? {
        if try reader.readNullIfPresent() { return nil }
        let text = try reader.readStringBytes()
        if text.spells("aws:dynamodb") { return "aws:dynamodb" }
        if text.spells("1.1") { return "1.1" }
        if text.spells("NEW_AND_OLD_IMAGES") { return "NEW_AND_OLD_IMAGES" }
        if text.spells("NEW_IMAGE") { return "NEW_IMAGE" }
        if text.spells("OLD_IMAGE") { return "OLD_IMAGE" }
        if text.spells("KEYS_ONLY") { return "KEYS_ONLY" }
        return String(decoding: text, as: UTF8.self)
    }

    @inline(__always)
    mutating func readOptionalString() throws(JSONParseError) -> String? {
        if try reader.readNullIfPresent() { return nil }
        return try reader.readString()
    }

    @inline(__always)
    mutating func readOptionalLazyItem(page: [UInt8], capacity: Int = 24) throws(JSONParseError) -> LazyItem? {
        if try reader.readNullIfPresent() { return nil }
        return try readLazyItem(page: page, capacity: capacity)
    }

    @inline(__always)
    mutating func readOptionalItem() throws(JSONParseError) -> Item? {
        if try reader.readNullIfPresent() { return nil }
        return try readItem()
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether these bytes are exactly `name`'s UTF-8.
    @inline(__always)
    func spells(_ name: StaticString) -> Bool {
        let length = name.utf8CodeUnitCount
        guard count == length, let base = baseAddress else { return count == 0 && length == 0 }
        let text = name.utf8Start
        for i in 0..<length where base[i] != text[i] { return false }
        return true
    }
}
