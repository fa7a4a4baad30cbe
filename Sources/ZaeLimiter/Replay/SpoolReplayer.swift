import AWSCore
import AWSDynamoDB
import Foundation
import Logging
import StreamConsumer

/// Applies the records of an on-failure spool file through the `UsageAggregator`, each at most
/// once however often the file is replayed.
///
/// Guarantee: every record is applied in one TransactWriteItems together with a replay marker
/// (`ReplayCheckpointer`) that is conditioned on not existing yet. A record whose marker exists —
/// replayed before, by any run on any host, or by a retried call whose reply was lost — is
/// skipped without a write; a crash mid-replay leaves each record either fully applied and marked
/// or untouched, so running the replay again finishes the job. This holds as long as the markers
/// stay in the lease table (delete them only with the spool file).
///
/// Skipped on purpose: lines with reason `rejectedByProcessor` (the aggregator applied the limits
/// it could read and rejected the rest: replaying would count the good limits twice), and lines
/// that are not valid JSON records (counted as `unreadable`). Only usage snapshots are written;
/// the Lambda's other duties are not run for replayed records.
public final class SpoolReplayer {
    /// What a replay did, per record.
    public struct Report: Sendable, Equatable {
        /// Records applied now (snapshot updates and marker committed).
        public var applied = 0
        /// Records whose marker already existed: replayed before, nothing written.
        public var alreadyReplayed = 0
        /// Records with nothing to apply (not a bucket change, or every limit rejected).
        public var withoutEffects = 0
        /// Records on `rejectedByProcessor` lines, left alone.
        public var skippedRejected = 0
        /// Lines that could not be read as spool lines.
        public var unreadableLines = 0
        /// Records that failed with an error that retrying would not fix.
        public var failed = 0
        public init() {}
    }

    let client: DynamoDBAPI
    let settings: UsageAggregationSettings
    let markerTable: String
    let logger: Logger
    let sleep: @Sendable (Duration) -> Void
    /// Attempts per record for throttling and other retryable errors before the replay stops.
    let maxAttempts: Int

    /// - Parameters:
    ///   - client: a DynamoDB client for the snapshot table and the lease table.
    ///   - markerTable: the lease table (replay markers go there).
    public init(
        client: DynamoDBAPI, settings: UsageAggregationSettings, markerTable: String, logger: Logger,
        maxAttempts: Int = 20,
        sleep: @escaping @Sendable (Duration) -> Void = { duration in
            let (seconds, attoseconds) = duration.components
            Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
        }
    ) {
        var settings = settings
        // Markers ride in the transaction: replay is exactly-once whatever the daemon's delivery.
        settings.delivery = .exactlyOnce
        self.client = client
        self.settings = settings
        self.markerTable = markerTable
        self.logger = logger
        self.maxAttempts = max(1, maxAttempts)
        self.sleep = sleep
    }

    /// Replays every line of `text` (the spool file's contents), in order. Throws the error of a
    /// record that kept failing with a retryable or environmental error: the replay stops there,
    /// and running it again resumes (applied records are marked).
    public func replay(_ text: String, replayedAt: Int64 = Int64(Date().timeIntervalSince1970)) throws -> Report {
        var report = Report()
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            guard let entry = SpoolLine(String(line)) else {
                report.unreadableLines += 1
                logger.warning("spool line unreadable, skipped", metadata: ["line": "\(number + 1)"])
                continue
            }
            if entry.reason == FailedRecords.Reason.rejectedByProcessor.rawValue {
                report.skippedRejected += entry.records.count
                continue
            }
            let aggregator = UsageAggregator(
                client: client, settings: settings, rejectionHandler: nil, logger: logger, sleep: sleep)
            let checkpointer = ReplayCheckpointer(
                tableName: markerTable, shardId: entry.shardId, replayedAt: replayedAt)
            for record in entry.records {
                try apply(record, entry: entry, aggregator: aggregator, checkpointer: checkpointer, report: &report)
            }
        }
        return report
    }

    private func apply(
        _ record: StreamRecord, entry: SpoolLine, aggregator: UsageAggregator, checkpointer: ReplayCheckpointer,
        report: inout Report
    ) throws {
        var attempt = 0
        while true {
            attempt += 1
            checkpointer.begin(eventID: record.eventID)
            let writesBefore = aggregator.statistics.transactions
            let batch = RecordBatch(
                streamArn: entry.streamArn, shardId: entry.shardId, lane: entry.lane, laneCount: 1, records: [record],
                batchEnd: record.sequenceNumber, attempt: attempt)
            do {
                try aggregator.process(batch, checkpointer: checkpointer)
                if aggregator.statistics.transactions > writesBefore {
                    report.applied += 1
                } else {
                    report.withoutEffects += 1
                }
                return
            } catch is LeaseLostError {
                // The marker's condition failed: this record was replayed before.
                report.alreadyReplayed += 1
                return
            } catch {
                switch FailureClass.of(error) {
                case .weather where attempt < maxAttempts:
                    sleep(.milliseconds(min(5000, 100 << min(attempt, 6))))
                case .weather, .environment:
                    throw error
                case .deterministic:
                    report.failed += 1
                    logger.error(
                        "spooled record could not be applied; left for inspection",
                        metadata: ["record.sequence": "\(record.sequenceNumber)", "error": "\(error)"])
                    return
                }
            }
        }
    }
}
