import AWSCore
import AWSDynamoDB
import Logging
import Metrics

/// Archives the audit events of TTL-removed audit items to S3, as the Lambda's
/// `archive_audit_events` does, but exactly once.
///
/// `perform` turns each REMOVE of an `AUDIT#` item (after the namespace, or un-namespaced) into
/// the Lambda's JSON line and keeps it; `willCheckpoint(through:)` writes the kept lines at or
/// below the coming checkpoint as one gzip JSONL object (`AuditObjectKey`), before the
/// checkpoint moves. So at any time at most one written object holds events past the lane's
/// checkpoint, and it starts with the first audit event after that checkpoint: a delivery
/// after a crash writes that same key first and replaces the object, whatever the new batch
/// cut (the argument is in docs/exactly-once.md).
///
/// A record the archiver cannot read (no `action`, a malformed number) is skipped with a
/// reason: counted, logged with its sequence number, as the Lambda skips it. A failed write is
/// counted and thrown (an `AWSError` of the client's kind, after its retries): the batch is
/// then not checkpointed, nothing is dropped or spooled. One instance per lane, called on the
/// lane's thread.
public final class AuditArchivalDuty: BatchDuty {
    /// The duty's name in logs and the status socket.
    public static let dutyName = "audit_archival"
    public let name = dutyName
    private let store: AuditArchiveStore
    private let prefix: String
    private let metrics: AuditArchivalMetrics
    private var logger: Logger

    /// Lines of the current batch not yet written, in stream order.
    private var pending: [Pending] = []
    private var shardId = ""

    private struct Pending {
        var sequenceNumber: SequenceNumber
        var line: [UInt8]
        var timestamp: String?
        var approximateCreationDateTime: Double?
    }

    /// Running totals, for tests and the status page.
    public private(set) var statistics = Statistics()
    public struct Statistics: Sendable, Equatable {
        public var eventsArchived = 0
        public var objectsWritten = 0
        public var bytesWritten = 0
        public var skippedRecords = 0
        public var failedWrites = 0
    }

    /// - Parameter prefix: the key prefix (`audit/` by default, as the Lambda's).
    public init(
        store: AuditArchiveStore, prefix: String = "audit/", logger: Logger,
        metricsFactory: MetricsFactory = MetricsSystem.factory
    ) {
        self.store = store
        self.prefix = prefix
        self.logger = logger
        self.metrics = AuditArchivalMetrics(factory: metricsFactory)
    }

    public func perform(_ batch: DutyBatch) throws {
        // A batch starts afresh: lines kept from a failed delivery are in this one again.
        pending.removeAll(keepingCapacity: true)
        shardId = batch.shardId
        for record in batch.records where record.eventName == .remove {
            switch AuditEventEncoder.encode(record) {
            case .notAudit:
                continue
            case .skipped(let reason, let detail):
                statistics.skippedRecords += 1
                metrics.skipped(reason: reason)
                logger.warning(
                    "audit record not archivable, skipped",
                    metadata: [
                        "reason": "\(reason)", "detail": "\(detail)", "record.sequence": "\(record.sequenceNumber)",
                        "shard.id": "\(batch.shardId)",
                    ])
            case .event(let line, let timestamp):
                pending.append(
                    Pending(
                        sequenceNumber: record.sequenceNumber, line: line, timestamp: timestamp,
                        approximateCreationDateTime: record.approximateCreationDateTime))
            }
        }
    }

    public func willCheckpoint(through sequenceNumber: SequenceNumber) throws {
        let count = pending.prefix { $0.sequenceNumber <= sequenceNumber }.count
        guard count > 0 else { return }
        let events = pending[..<count]
        var body: [UInt8] = []
        body.reserveCapacity(events.reduce(0) { $0 + $1.line.count + 1 })
        for event in events {
            body += event.line
            body.append(UInt8(ascii: "\n"))
        }
        let first = events[events.startIndex]
        let key = AuditObjectKey(
            prefix: prefix, shardId: shardId, sequenceNumber: first.sequenceNumber.description,
            timestamp: first.timestamp, approximateCreationDateTime: first.approximateCreationDateTime
        ).key
        do {
            let compressed = try Gzip.compress(body)
            try store.put(key: key, body: compressed)
            statistics.objectsWritten += 1
            statistics.eventsArchived += count
            statistics.bytesWritten += compressed.count
            metrics.objectsWritten.increment()
            metrics.eventsArchived.increment(by: count)
            metrics.bytesWritten.increment(by: compressed.count)
            logger.debug("audit archive object written", metadata: ["s3.key": "\(key)", "events": "\(count)"])
        } catch {
            statistics.failedWrites += 1
            metrics.failed(error)
            logger.error(
                "audit archive write failed; the batch is not checkpointed",
                metadata: ["s3.key": "\(key)", "events": "\(count)", "error": "\(error)"])
            throw error
        }
        pending.removeFirst(count)
    }
}
