import AWSCore

extension GetRecordsDecoder.Parser {
    /// The members of a record's `dynamodb` object.
    struct Change {
        var keys: Item
        var newImage: Item?
        var oldImage: Item?
        var lazyKeys: LazyItem?
        var lazyNewImage: LazyItem?
        var lazyOldImage: LazyItem?
        /// The sequence number's canonical digits in the document, or the number itself when
        /// its text had escapes.
        var sequenceDigits: Range<Int>
        var spelledSequenceNumber: SequenceNumber?
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
        var sequenceDigits: Range<Int>?
        var spelledSequenceNumber: SequenceNumber?
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
                        lazyKeys = try reader.readNullIfPresent() ? nil : try readLazyKeys(page: page)
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
                    sequenceDigits = nil
                    spelledSequenceNumber = nil
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
                            sequenceDigits = start + min(zeros, text.count - 1)..<start + text.count
                        } else {
                            spelledSequenceNumber = SequenceNumber(bytes: text)
                            sequenceDigits = 0..<0
                        }
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
        guard let sequenceDigits else {
            throw JSONParseError(offset: start, reason: .unexpectedShape("member SequenceNumber"))
        }
        return Change(
            keys: keys ?? [:], newImage: newImage, oldImage: oldImage, lazyKeys: lazyKeys, lazyNewImage: lazyNewImage,
            lazyOldImage: lazyOldImage, sequenceDigits: sequenceDigits,
            spelledSequenceNumber: spelledSequenceNumber, seconds: seconds, sizeBytes: sizeBytes,
            streamViewType: streamViewType, skippedFor: skippedFor, retry: retry)
    }
}
