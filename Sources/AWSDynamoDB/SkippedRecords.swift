/// The records of a GetRecords page that a `RecordKeyFilter` rejected, kept as what a consumer
/// still needs of them: where each lies among the page's decoded records, its sequence number and
/// its `ApproximateCreationDateTime`.
///
/// A consumer never processes such a record, but its checkpoint, its batches and its iterator
/// age still count it. Building a `StreamRecord` for it (the eventID and sequence number strings,
/// the Keys, a 270-byte value copied and released field by field) cost more than the rest of its
/// decoding; an entry here is 32 bytes in one array per page, and its sequence number stays digits
/// in the page until it is asked for.
public struct SkippedRecords: Sendable {
    struct Entry: Sendable {
        /// How many of the page's decoded records come before this one.
        var position: Int32
        /// The canonical digits (no leading zeros) in `page`; `count` is `UInt32.max` when the
        /// text had escapes and `start` indexes `spelled` instead.
        var sequenceStart: UInt32
        var sequenceCount: UInt32
        var seconds: Double?
    }

    let page: [UInt8]
    var entries: [Entry] = []
    /// Sequence numbers written with escapes (never by the service).
    var spelled: [SequenceNumber] = []

    /// No skipped records.
    public init() { page = [] }

    init(page: [UInt8]) { self.page = page }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// How many of the page's decoded records come before skipped record `index`.
    public func position(_ index: Int) -> Int { Int(entries[index].position) }

    /// Skipped record `index`'s `ApproximateCreationDateTime`.
    public func approximateCreationDateTime(_ index: Int) -> Double? { entries[index].seconds }

    /// Skipped record `index`'s sequence number (built from the page's bytes).
    public func sequenceNumber(_ index: Int) -> SequenceNumber {
        let entry = entries[index]
        if entry.sequenceCount == UInt32.max { return spelled[Int(entry.sequenceStart)] }
        let start = Int(entry.sequenceStart)
        return page.withUnsafeBufferPointer { bytes in
            SequenceNumber(canonical: String(decoding: bytes[start..<start + Int(entry.sequenceCount)], as: UTF8.self))
        }
    }

    /// Whether skipped record `index`'s sequence number is above `other`, without building it.
    public func sequenceNumber(_ index: Int, isAbove other: SequenceNumber) -> Bool {
        let entry = entries[index]
        if entry.sequenceCount == UInt32.max { return spelled[Int(entry.sequenceStart)] > other }
        let count = Int(entry.sequenceCount)
        var digits = other.digits
        return digits.withUTF8 { theirs in
            if count != theirs.count { return count > theirs.count }
            return page.withUnsafeBufferPointer { bytes in
                let start = Int(entry.sequenceStart)
                for offset in 0..<count where bytes[start + offset] != theirs[offset] {
                    return bytes[start + offset] > theirs[offset]
                }
                return false
            }
        }
    }

    /// Appends a skipped record whose canonical digits lie at `digits` in the page.
    mutating func append(position: Int, digits: Range<Int>, seconds: Double?) {
        entries.append(
            Entry(
                position: Int32(truncatingIfNeeded: position),
                sequenceStart: UInt32(truncatingIfNeeded: digits.lowerBound),
                sequenceCount: UInt32(truncatingIfNeeded: digits.count), seconds: seconds))
    }

    /// Appends a skipped record whose sequence number was written with escapes.
    mutating func append(position: Int, spelled sequenceNumber: SequenceNumber, seconds: Double?) {
        entries.append(
            Entry(
                position: Int32(truncatingIfNeeded: position), sequenceStart: UInt32(truncatingIfNeeded: spelled.count),
                sequenceCount: UInt32.max, seconds: seconds))
        spelled.append(sequenceNumber)
    }

    /// Entry `index` of `other` (the same page), placed after `position` decoded records.
    mutating func append(_ index: Int, of other: SkippedRecords, position: Int) {
        var entry = other.entries[index]
        entry.position = Int32(truncatingIfNeeded: position)
        if entry.sequenceCount == UInt32.max {
            entry.sequenceStart = UInt32(truncatingIfNeeded: spelled.count)
            spelled.append(other.spelled[Int(other.entries[index].sequenceStart)])
        }
        entries.append(entry)
    }
}
