import AWSDynamoDB
import StreamConsumer

/// Makes `RecordingProcessor`s sharing one log.
public struct RecordingProcessorFactory: RecordProcessorFactory {
    public let log: ProcessingLog
    let mode: RecordingProcessor.Mode
    let shouldFail: @Sendable (StreamRecord, Int) -> Bool
    let delay: Duration

    /// - Parameter shouldFail: a call fails when it returns true for any record (with the attempt).
    public init(
        log: ProcessingLog, mode: RecordingProcessor.Mode = .engineCheckpoints,
        delay: Duration = .zero, shouldFail: @escaping @Sendable (StreamRecord, Int) -> Bool = { _, _ in false }
    ) {
        self.log = log
        self.mode = mode
        self.shouldFail = shouldFail
        self.delay = delay
    }

    public func makeProcessor(shardId: String, lane: Int, laneCount: Int) -> RecordProcessor {
        RecordingProcessor(
            shardId: shardId, lane: lane, laneCount: laneCount, log: log, mode: mode, shouldFail: shouldFail,
            delay: delay)
    }
}
