import AWSCore
import AWSDynamoDB
import StreamConsumer

extension InMemoryLeaseTable {
    /// Commits one effect per record (`id` = its sequence number) with the lane's fenced
    /// checkpoint to `target`, in one transaction, as an exactly-once processor does; a failed
    /// fence is a `LeaseLostError`. The caller tells the checkpointer `committed(to:)`.
    public func commitEffects<Records: Sequence>(
        of records: Records, through target: SequenceNumber, fencedBy fence: TransactWriteItem, shardId: String
    ) throws where Records.Element == StreamRecord {
        var items: [TransactWriteItem] = records.map { record in
            .put(PutItemInput(tableName: "effects", item: ["id": .s(record.sequenceNumber.digits)]))
        }
        items.append(fence)
        do {
            try transact(items)
        } catch let error as AWSError where error.kind == .conditional {
            throw LeaseLostError(shardId: shardId)
        }
    }
}
