import Foundation
import StreamConsumer

/// A failure destination that keeps what it receives in memory. Thread-safe.
public final class InMemoryFailureDestination: FailureDestination, @unchecked Sendable {
    // `failures` and `failuresLeft` are guarded by `lock`.
    private let lock = NSLock()
    private var failures: [FailedRecords] = []
    private var failuresLeft: Int

    /// - Parameter failFirst: the first sends that throw (to test that nothing is dropped).
    public init(failFirst: Int = 0) { failuresLeft = failFirst }

    public func send(_ failure: FailedRecords) throws {
        try lock.withLock {
            if failuresLeft > 0 {
                failuresLeft -= 1
                throw TestFailure(message: "destination unavailable")
            }
            failures.append(failure)
        }
    }

    public var sentRecordCount: Int { lock.withLock { failures.reduce(0) { $0 + $1.records.count } } }
    public var received: [FailedRecords] { lock.withLock { failures } }
}
