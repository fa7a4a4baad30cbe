import AWSCore
import AWSDynamoDB
import Logging
import StreamConsumer

@testable import ZaeLimiter

final class RecordingRejections: RecordRejectionHandler {
    var rejections: [RecordRejection] = []
    var failWith: Error?
    var checkpointer: FakeCheckpointer?
    func recordRejected(_ rejection: RecordRejection) throws {
        if let failWith { throw failWith }
        checkpointer?.events.append("reject \(rejection.record.sequenceNumber)")
        rejections.append(rejection)
    }
}

struct AggregatorHarness {
    let db = FakeDynamoDB()
    let checkpointer: FakeCheckpointer
    let rejections = RecordingRejections()
    let aggregator: UsageAggregator
    let sleeps: SleepLog

    final class SleepLog { var durations: [Duration] = [] }

    init(
        delivery: SnapshotDelivery = .exactlyOnce, windows: [UsageWindow] = [.hourly, .daily],
        start: SequenceNumber? = nil, conflictRetries: Int = 5, maxActions: Int = 100
    ) {
        checkpointer = FakeCheckpointer(start: start)
        checkpointer.attach(to: db)
        rejections.checkpointer = checkpointer
        let sleeps = SleepLog()
        self.sleeps = sleeps
        aggregator = UsageAggregator(
            client: db,
            settings: UsageAggregationSettings(
                tableName: "limits", windows: windows, delivery: delivery, maxTransactionActions: maxActions,
                conflictRetries: conflictRetries),
            rejectionHandler: rejections, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            epochSeconds: { 1_000 }, sleep: { sleeps.durations.append($0) })
    }

    func batch(_ records: [StreamRecord], end: SequenceNumber? = nil, attempt: Int = 1) -> RecordBatch {
        RecordBatch(
            streamArn: "arn", shardId: "shard", lane: 0, laneCount: 1, records: records,
            batchEnd: end ?? records.last!.sequenceNumber, attempt: attempt)
    }

    func run(_ records: [StreamRecord], end: SequenceNumber? = nil) throws {
        try aggregator.process(batch(records, end: end), checkpointer: checkpointer)
    }
}

/// `count` records, each consuming on its own entity (so each touches distinct items).
func distinctEntityRecords(_ count: Int, firstSequence: Int = 10) -> [StreamRecord] {
    (0..<count).map { i in
        var b = BucketImage()
        b.entity = "e\(i)"
        b.limits = ["rpm": (0, 100_000)]
        return consumption(b, ["rpm": 1_000], sequence: firstSequence + i).record
    }
}
