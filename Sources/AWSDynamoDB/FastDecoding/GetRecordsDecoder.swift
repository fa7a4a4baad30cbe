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

        init(reader: JSONReader, page: [UInt8]? = nil) {
            self.reader = reader
            self.page = page
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
        return GetRecordsOutput(records: records, nextShardIterator: nextShardIterator)
    }

    mutating func readRecords() throws(JSONParseError) -> [StreamRecord] {
        var records: [StreamRecord] = []
        if try reader.readNullIfPresent() { return records }
        if try reader.enterArray() {
            records.reserveCapacity(128)
            repeat { records.append(try readRecord()) } while try reader.nextElement()
        }
        return records
    }

    mutating func readRecord() throws(JSONParseError) -> StreamRecord {
        var retry = false
        guard keyFilter != nil else { return try readRecord(skipping: false, retry: &retry) }
        let saved = reader
        let first = try readRecord(skipping: true, retry: &retry)
        guard retry else { return first }
        // A repeated eventName or Keys member came after images were skipped on the strength of
        // an earlier one: read the record again in full (never on a stream DynamoDB writes).
        reader = saved
        return try readRecord(skipping: false, retry: &retry)
    }

    /// Reads one record; `skipping` lets the key filter pass over images. Sets `retry` when a
    /// skip was decided on an eventName or Keys that a later repeated member replaced (the
    /// record returned is then a placeholder). Not a tuple: returning one copied the record.
    mutating func readRecord(skipping: Bool, retry: inout Bool) throws(JSONParseError) -> StreamRecord {
        let start = reader.offset
        var eventID: String?
        var eventName: StreamRecord.EventName?
        var eventVersion: String?
        var eventSource: String?
        var awsRegion: String?
        var change: Change?
        var principal: String?
        if try reader.enterObject() {
            repeat {
                let name = try reader.readMemberName()
                if name.spells("eventID") {
                    eventID = try readOptionalString()
                } else if name.spells("eventName") {
                    eventName = try readOptionalEventName()
                } else if name.spells("eventVersion") {
                    eventVersion = try readOptionalKnownString()
                } else if name.spells("eventSource") {
                    eventSource = try readOptionalKnownString()
                } else if name.spells("awsRegion") {
                    awsRegion = try readOptionalString()
                } else if name.spells("dynamodb") {
                    change =
                        try reader.readNullIfPresent() ? nil : try readChange(skippingFor: skipping ? eventName : nil)
                } else if name.spells("userIdentity") {
                    principal = try readPrincipal()
                } else {
                    try reader.skipValue()
                }
            } while try reader.nextMember()
        }
        guard let eventID else { throw JSONParseError(offset: start, reason: .unexpectedShape("member eventID")) }
        guard let eventName else { throw JSONParseError(offset: start, reason: .unexpectedShape("member eventName")) }
        guard let change else { throw JSONParseError(offset: start, reason: .unexpectedShape("member dynamodb")) }
        if change.retry || change.skippedFor.map({ $0 != eventName }) == true {
            retry = true
            return StreamRecord(
                eventID: eventID, eventName: eventName, keys: [:], sequenceNumber: change.sequenceNumber)
        }
        if page != nil {
            return StreamRecord(
                eventID: eventID, eventName: eventName, eventVersion: eventVersion,
                eventSource: eventSource, awsRegion: awsRegion, approximateCreationDateTime: change.seconds,
                lazyKeys: change.lazyKeys!, lazyNewImage: change.lazyNewImage, lazyOldImage: change.lazyOldImage,
                sequenceNumber: change.sequenceNumber, sizeBytes: change.sizeBytes,
                streamViewType: change.streamViewType, userIdentityPrincipal: principal,
                imagesSkipped: change.skippedFor != nil)
        }
        return StreamRecord(
            eventID: eventID, eventName: eventName, eventVersion: eventVersion,
            eventSource: eventSource, awsRegion: awsRegion, approximateCreationDateTime: change.seconds,
            keys: change.keys, newImage: change.newImage, oldImage: change.oldImage,
            sequenceNumber: change.sequenceNumber, sizeBytes: change.sizeBytes,
            streamViewType: change.streamViewType, userIdentityPrincipal: principal)
    }

    /// The members of a record's `dynamodb` object.
    struct Change {
        var keys: Item
        var newImage: Item?
        var oldImage: Item?
        var lazyKeys: LazyItem?
        var lazyNewImage: LazyItem?
        var lazyOldImage: LazyItem?
        var sequenceNumber: SequenceNumber
        var seconds: Double?
        var sizeBytes: Int
        var streamViewType: String?
        /// The event name on whose verdict an image was skipped (nil: none was).
        var skippedFor: StreamRecord.EventName?
        /// The record must be read again without skipping: a Keys member came after an image was
        /// skipped, or an image could not be skipped after another one was.
        var retry = false
    }

    /// Reads a record's `dynamodb` object; with `eventName`, the key filter may pass over its
    /// images (`readOptionalImage`).
    mutating func readChange(skippingFor eventName: StreamRecord.EventName?) throws(JSONParseError) -> Change {
        let start = reader.offset
        var keys: Item?
        var lazyKeys: LazyItem?
        var newImage: Item?
        var oldImage: Item?
        var lazyNewImage: LazyItem?
        var lazyOldImage: LazyItem?
        var sequenceNumber: SequenceNumber?
        var seconds: Double?
        var sizeBytes = 0
        var streamViewType: String?
        // Whether the images may be skipped: decided once Keys and the first image are known.
        var skip: Bool?
        var skippedFor: StreamRecord.EventName?
        var retry = false
        if try reader.enterObject() {
            repeat {
                let name = try reader.readMemberName()
                if name.spells("Keys") {
                    if let page {
                        lazyKeys = try readOptionalLazyItem(page: page, capacity: 4)
                        skip = nil
                        retry = retry || skippedFor != nil
                    } else {
                        keys = try readOptionalItem()
                    }
                } else if name.spells("NewImage") {
                    if let page {
                        lazyNewImage = try readOptionalImage(
                            page: page, eventName: eventName, keys: lazyKeys, skip: &skip, skippedFor: &skippedFor,
                            retry: &retry)
                    } else {
                        newImage = try readOptionalItem()
                    }
                } else if name.spells("OldImage") {
                    if let page {
                        lazyOldImage = try readOptionalImage(
                            page: page, eventName: eventName, keys: lazyKeys, skip: &skip, skippedFor: &skippedFor,
                            retry: &retry)
                    } else {
                        oldImage = try readOptionalItem()
                    }
                } else if name.spells("SequenceNumber") {
                    sequenceNumber = nil
                    if try !reader.readNullIfPresent() {
                        let text = try reader.readStringBytes()
                        guard let parsed = SequenceNumber(bytes: text) else {
                            throw reader.shapeError("a decimal sequence number")
                        }
                        sequenceNumber = parsed
                    }
                } else if name.spells("ApproximateCreationDateTime") {
                    seconds = nil
                    if try !reader.readNullIfPresent() {
                        seconds = WireConversion.seconds(fromNumberBytes: try reader.readNumberBytes())
                    }
                } else if name.spells("SizeBytes") {
                    sizeBytes = 0
                    if try !reader.readNullIfPresent() {
                        guard let size = WireConversion.integer(fromNumberText: try reader.readNumberText()) else {
                            throw reader.shapeError("an integer")
                        }
                        sizeBytes = size
                    }
                } else if name.spells("StreamViewType") {
                    streamViewType = try readOptionalKnownString()
                } else {
                    try reader.skipValue()
                }
            } while try reader.nextMember()
        }
        guard keys != nil || lazyKeys != nil else {
            throw JSONParseError(offset: start, reason: .unexpectedShape("member Keys"))
        }
        guard let sequenceNumber else {
            throw JSONParseError(offset: start, reason: .unexpectedShape("member SequenceNumber"))
        }
        return Change(
            keys: keys ?? [:], newImage: newImage, oldImage: oldImage, lazyKeys: lazyKeys, lazyNewImage: lazyNewImage,
            lazyOldImage: lazyOldImage, sequenceNumber: sequenceNumber, seconds: seconds, sizeBytes: sizeBytes,
            streamViewType: streamViewType, skippedFor: skippedFor, retry: retry)
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
