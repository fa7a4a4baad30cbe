/// A page's records in stream order, decoded and skipped alike: what a consumer's batches,
/// checkpoints and iterator age count.
extension GetRecordsOutput {
    /// One record of the page: its index among `records` or among `skipped`.
    public enum Entry: Sendable, Equatable {
        case record(Int)
        case skipped(Int)
    }

    /// Records in the page, decoded and skipped.
    public var count: Int { records.count + skipped.count }

    /// The page holds no record.
    public var isEmpty: Bool { records.isEmpty && skipped.isEmpty }

    /// Every record of the page in stream order.
    public var streamOrder: [Entry] {
        var order: [Entry] = []
        order.reserveCapacity(count)
        var next = 0
        for index in 0..<skipped.count {
            let position = skipped.position(index)
            while next < position {
                order.append(.record(next))
                next += 1
            }
            order.append(.skipped(index))
        }
        while next < records.count {
            order.append(.record(next))
            next += 1
        }
        return order
    }

    /// Whether the page's last record is a skipped one.
    private var endsSkipped: Bool {
        guard !skipped.isEmpty else { return false }
        return skipped.position(skipped.count - 1) == records.count
    }

    /// The sequence number of the page's last record (nil for an empty page).
    public var lastSequenceNumber: SequenceNumber? {
        endsSkipped ? skipped.sequenceNumber(skipped.count - 1) : records.last?.sequenceNumber
    }

    /// The `ApproximateCreationDateTime` of the page's last record (nil when it has none, or the
    /// page is empty).
    public var lastApproximateCreationDateTime: Double? {
        endsSkipped ? skipped.approximateCreationDateTime(skipped.count - 1) : records.last?.approximateCreationDateTime
    }

    /// Whether every record after the first `records` decoded and `skipped` skipped ones is
    /// above `floor`.
    public func isAbove(_ floor: SequenceNumber, afterRecords droppedRecords: Int, skipped droppedSkipped: Int) -> Bool
    {
        records[droppedRecords...].allSatisfy { $0.sequenceNumber > floor }
            && (droppedSkipped..<skipped.count).allSatisfy { skipped.sequenceNumber($0, isAbove: floor) }
    }

    /// The page without its first `droppedRecords` decoded and `droppedSkipped` skipped records,
    /// keeping only records above `floor` (all when nil), in the same order.
    public func remainder(
        droppingRecords droppedRecords: Int, skipped droppedSkipped: Int, above floor: SequenceNumber?
    )
        -> GetRecordsOutput
    {
        let allAbove = floor.map { isAbove($0, afterRecords: droppedRecords, skipped: droppedSkipped) } ?? true
        if allAbove && droppedRecords == 0 && droppedSkipped == 0 { return self }
        var kept: [StreamRecord] = []
        var keptSkipped = SkippedRecords(page: skipped.page)
        var next = droppedRecords
        func keepRecords(before position: Int) {
            while next < position {
                if floor.map({ records[next].sequenceNumber > $0 }) ?? true { kept.append(records[next]) }
                next += 1
            }
        }
        for index in droppedSkipped..<skipped.count {
            keepRecords(before: skipped.position(index))
            if floor.map({ skipped.sequenceNumber(index, isAbove: $0) }) ?? true {
                keptSkipped.append(index, of: skipped, position: kept.count)
            }
        }
        keepRecords(before: records.count)
        return GetRecordsOutput(records: kept, skipped: keptSkipped, nextShardIterator: nextShardIterator)
    }
}
