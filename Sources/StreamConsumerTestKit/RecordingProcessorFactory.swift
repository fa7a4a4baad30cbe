import AWSDynamoDB
import StreamConsumer

/// Makes `RecordingProcessor`s sharing one log.
public struct RecordingProcessorFactory: RecordProcessorFactory {
    public let log: ProcessingLog
    let mode: RecordingProcessor.Mode
    let failure: @Sendable (StreamRecord, Int) -> (any Error)?
    let delay: Duration

    /// - Parameter shouldFail: a call fails when it returns true for any record (with the attempt).
    public init(
        log: ProcessingLog, mode: RecordingProcessor.Mode = .engineCheckpoints,
        delay: Duration = .zero, shouldFail: @escaping @Sendable (StreamRecord, Int) -> Bool = { _, _ in false }
    ) {
        self.log = log
        self.mode = mode
        self.failure = { record, attempt in
            shouldFail(record, attempt) ? TestFailure(message: "scripted failure") : nil
        }
        self.delay = delay
    }

    /// - Parameter failure: a call fails with the first error it returns for a record (given the
    ///   attempt); nil lets the record through. For throttling, outages and permanent errors.
    public init(
        log: ProcessingLog, mode: RecordingProcessor.Mode = .engineCheckpoints, delay: Duration = .zero,
        failure: @escaping @Sendable (StreamRecord, Int) -> (any Error)?
    ) {
        self.log = log
        self.mode = mode
        self.failure = failure
        self.delay = delay
    }

    public func makeProcessor(shardId: String, lane: Int, laneCount: Int) -> RecordProcessor {
        RecordingProcessor(
            shardId: shardId, lane: lane, laneCount: laneCount, log: log, mode: mode, failure: failure,
            delay: delay)
    }
}
