import AWSCore

extension GetRecordsDecoder.Parser {
    /// The members of a record's `dynamodb` object.
    ///
    /// Read in place (`readChange(into:)`): returned as a value, it was copied (185 bytes) at
    /// every member of the record.
    struct Change {
        var keys: Item?
        var newImage: Item?
        var oldImage: Item?
        var lazyKeys: LazyItem?
        var lazyNewImage: LazyItem?
        var lazyOldImage: LazyItem?
        /// The sequence number's canonical digits in the document, or the number itself when
        /// its text had escapes.
        var sequenceDigits: Range<Int>?
        var spelledSequenceNumber: SequenceNumber?
        var seconds: Double?
        var sizeBytes = 0
        var streamViewType: String?
        /// The event name on whose verdict an image was skipped (nil: none was).
        var skippedFor: StreamRecord.EventName?
        /// The record must be read again without skipping: a Keys member came after an image was
        /// skipped, or an image could not be skipped after another one was.
        var retry = false
    }

    /// Reads a record's `dynamodb` object into `change` (replacing what it held); with
    /// `eventName`, the key filter may pass over its images (`readOptionalImage`).
    mutating func readChange(into change: inout Change, skippingFor eventName: StreamRecord.EventName?)
        throws(JSONParseError)
    {
        let start = reader.offset
        change = Change()
        // Whether the images may be skipped: decided once Keys and the first image are known.
        var skip: Bool?
        if try reader.enterObject() {
            repeat {
                let name = try reader.readMemberName()
                if name.spells("Keys") {
                    if let page {
                        change.lazyKeys = try reader.readNullIfPresent() ? nil : try readLazyKeys(page: page)
                        skip = nil
                        change.retry = change.retry || change.skippedFor != nil
                    } else {
                        change.keys = try readOptionalItem()
                    }
                } else if name.spells("NewImage") {
                    if let page {
                        change.lazyNewImage = try readOptionalImage(
                            page: page, eventName: eventName, keys: change.lazyKeys, skip: &skip,
                            skippedFor: &change.skippedFor,
                            retry: &change.retry)
                    } else {
                        change.newImage = try readOptionalItem()
                    }
                } else if name.spells("OldImage") {
                    if let page {
                        change.lazyOldImage = try readOptionalImage(
                            page: page, eventName: eventName, keys: change.lazyKeys, skip: &skip,
                            skippedFor: &change.skippedFor,
                            retry: &change.retry)
                    } else {
                        change.oldImage = try readOptionalItem()
                    }
                } else if name.spells("SequenceNumber") {
                    change.sequenceDigits = nil
                    change.spelledSequenceNumber = nil
                    if try !reader.readNullIfPresent() {
                        let text = try reader.readStringBytes()
                        // The checks of `SequenceNumber(bytes:)`; the string is built later,
                        // only for a record that is kept.
                        guard !text.isEmpty, text.allSatisfy({ $0 &- 48 < 10 }) else {
                            throw reader.shapeError("a decimal sequence number")
                        }
                        if let start = reader.documentOffset(of: text) {
                            // Canonical: no leading zeros, "0" for zero.
                            let zeros = text.prefix { $0 == UInt8(ascii: "0") }.count
                            change.sequenceDigits = start + min(zeros, text.count - 1)..<start + text.count
                        } else {
                            change.spelledSequenceNumber = SequenceNumber(bytes: text)
                            change.sequenceDigits = 0..<0
                        }
                    }
                } else if name.spells("ApproximateCreationDateTime") {
                    change.seconds = nil
                    if try !reader.readNullIfPresent() {
                        change.seconds = WireConversion.seconds(fromNumberBytes: try reader.readNumberBytes())
                    }
                } else if name.spells("SizeBytes") {
                    change.sizeBytes = 0
                    if try !reader.readNullIfPresent() {
                        guard let size = WireConversion.integer(fromNumberText: try reader.readNumberText()) else {
                            throw reader.shapeError("an integer")
                        }
                        change.sizeBytes = size
                    }
                } else if name.spells("StreamViewType") {
                    change.streamViewType = try readOptionalKnownString()
                } else {
                    try reader.skipValue()
                }
            } while try reader.nextMember()
        }
        guard change.keys != nil || change.lazyKeys != nil else {
            throw JSONParseError(offset: start, reason: .unexpectedShape("member Keys"))
        }
        guard change.sequenceDigits != nil else {
            throw JSONParseError(offset: start, reason: .unexpectedShape("member SequenceNumber"))
        }
    }
}
