import Foundation

/// A value shared between a test and a callback on another thread or queue.
public final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    // Guarded by `lock`.
    private var stored: Value

    public init(_ value: Value) { stored = value }

    /// The value, read or replaced under the lock.
    public var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
