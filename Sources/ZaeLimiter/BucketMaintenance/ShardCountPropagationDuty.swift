import AWSCore
import AWSDynamoDB
import Logging
import Metrics
import StreamConsumer

/// The Lambda's shard_count propagation as a `BatchDuty`: every MODIFY record of the batch, in
/// stream order (not merged per bucket), through `ShardCountPropagation`.
///
/// Conditional refusals are counted as skips. A record whose attributes the reference could not
/// read (`int()` of a non-integer) is logged and counted as an error and dropped, as the Lambda
/// drops it; redelivering it would fail the same way forever. Any other error (an `AWSError`
/// of a read or write) is counted and thrown, so the engine delivers the batch again; the
/// records before it replay harmlessly (conditional writes that now find their work done).
public final class ShardCountPropagationDuty: BatchDuty {
    /// The duty's name in logs, metric labels and the status socket.
    public static let dutyName = "shard_count_propagation"
    public let name = dutyName
    private let propagation: ShardCountPropagation
    private let logger: Logger
    /// The maintenance duties' counters (`zael_duty_*_total{duty="shard_count_propagation"}`).
    private let metrics: MaintenanceMetrics
    private var writes: Counter { metrics.writes }
    private var skipped: Counter { metrics.conditionFailures }
    private var errors: Counter { metrics.errors }

    /// - Parameters:
    ///   - client: the lane's DynamoDB client (GetItem, UpdateItem, TransactWriteItems).
    ///   - tableName: the zae-limiter table whose stream is consumed.
    public init(
        client: DynamoDBAPI, tableName: String, logger: Logger, metricsFactory: MetricsFactory = MetricsSystem.factory
    ) {
        var logger = logger
        logger[metadataKey: "duty"] = "\(Self.dutyName)"
        self.logger = logger
        propagation = ShardCountPropagation(client: client, tableName: tableName, logger: logger)
        metrics = MaintenanceMetrics(duty: name, factory: metricsFactory)
    }

    public func perform(_ batch: DutyBatch) throws {
        let now = Int(batch.nowMilliseconds)
        for record in batch.records where record.eventName == .modify {
            _ = try propagate(record, now: now)
        }
    }

    /// Propagates one record and books its metrics; the outcome is returned for tests.
    func propagate(_ record: StreamRecord, now: Int) throws -> ShardCountPropagation.Outcome {
        // Nearly every record is a bucket MODIFY with an unchanged count: decide that from two
        // attributes of the lazy images before building either image (microseconds each).
        guard Self.countChanged(record), let newImage = record.newImage else { return .init() }
        let outcome: ShardCountPropagation.Outcome
        do {
            outcome = try propagation.propagate(
                newImage: newImage, imageOrder: Self.attributeOrder(record, newImage), oldImage: record.oldImage,
                now: now)
        } catch let error as AWSError {
            errors.increment()
            throw error
        } catch let error where Self.isUnreadableRecord(error) {
            errors.increment()
            logger.error(
                "Shard count propagation dropped an unreadable record",
                metadata: ["reason": "\(error)", "sequence": "\(record.sequenceNumber)"])
            return .init()
        } catch {
            errors.increment()
            throw error
        }
        writes.increment(by: outcome.updated + outcome.repaired)
        skipped.increment(by: outcome.skipped)
        if outcome.repairFailures > 0 { errors.increment(by: outcome.repairFailures) }
        if outcome.updated > 0 || outcome.skipped > 0 || outcome.withheld > 0 {
            let trigger = try? ShardCountPropagation.trigger(newImage: newImage, oldImage: record.oldImage)
            logger.notice(
                "Shard count propagated",
                metadata: [
                    "entity": "\(trigger?.entity ?? "")", "resource": "\(trigger?.resource ?? "")",
                    "old_count": "\(trigger?.oldCount ?? 0)", "new_count": "\(trigger?.newCount ?? 0)",
                    "raised": "\(outcome.raised)", "created": "\(outcome.created)",
                    "skipped": "\(outcome.skipped)", "withheld": "\(outcome.withheld)",
                    "repaired": "\(outcome.repaired)",
                ])
        }
        return outcome
    }

    /// Whether both images carry an `N` shard_count and the texts differ (equal texts can
    /// never be an increase; anything else is left to the full trigger test).
    static func countChanged(_ record: StreamRecord) -> Bool {
        // Lazy images without escapes: compare the spans, building no value.
        if let new = record.lazyNewImage, let old = record.lazyOldImage, !new.hasEscapes, !old.hasEscapes {
            return withShardCount(new) { newText in
                guard let newText else { return false }
                return withShardCount(old) { oldText in
                    guard let oldText else { return false }
                    if BucketRecordParser.same(newText, oldText) { return false }
                    // Unequal ASCII bytes are unequal strings; anything else compares as `String`s.
                    if !newText.contains(where: { $0 >= 0x80 }), !oldText.contains(where: { $0 >= 0x80 }) {
                        return true
                    }
                    return String(decoding: newText, as: UTF8.self) != String(decoding: oldText, as: UTF8.self)
                }
            }
        }
        guard let new = record.newImageValue(named: "shard_count")?.n else { return false }
        let old = record.lazyOldImage.map { $0.value(named: "shard_count") } ?? record.oldImage?["shard_count"]
        guard let oldText = old?.n else { return false }
        return new != oldText
    }

    /// `body` with the text of the image's last `shard_count` when that is an `N`, else nil.
    private static func withShardCount<R>(_ image: LazyItem, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        image.withAttributes { view in
            var found = -1
            for index in view.attributes.indices where BucketRecordParser.same(view.name(index), "shard_count") {
                found = index
            }
            return body(found >= 0 && view.attributes[found].type == .n ? view.text(found) : nil)
        }
    }

    /// Errors of the record's own content, which a redelivery would meet again.
    static func isUnreadableRecord(_ error: any Error) -> Bool {
        error is ShardCountPropagation.MalformedAttribute || error is PropagationSchedule.EvaluationFailed
            || error is ScheduleError
    }

    /// The NewImage's attribute names in wire order (Python's dict order, which numbers the
    /// placeholders); name order when the image was decoded eagerly or has escaped names.
    static func attributeOrder(_ record: StreamRecord, _ image: Item) -> [String] {
        if let lazy = record.lazyNewImage, !lazy.hasEscapes {
            return lazy.withAttributes { view in
                var seen: Set<String> = []
                var names: [String] = []
                for index in 0..<view.attributes.count {
                    let name = String(decoding: view.name(index), as: UTF8.self)
                    if seen.insert(name).inserted { names.append(name) }
                }
                return names
            }
        }
        return image.keys.sorted()
    }
}
