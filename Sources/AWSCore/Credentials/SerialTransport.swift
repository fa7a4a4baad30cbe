import Foundation

/// An `HTTPTransport` that may be shared across threads: every use holds a lock, which meets the
/// wrapped transport's one-thread-at-a-time rule.
///
/// Meant for the rare calls of credential providers and the metadata client: wrap one transport
/// once and hand the wrapper to all of them, so that they never use it concurrently. Never wrap
/// a data-path transport (the lock would serialise the workers).
public final class SerialTransport: HTTPTransport, @unchecked Sendable {
    // `lock` guards every use of `transport`.
    private let lock = NSLock()
    private let transport: any HTTPTransport

    public init(_ transport: any HTTPTransport) {
        self.transport = transport
    }

    public func send(_ request: HTTPRequest, operation: String) throws -> HTTPResponse {
        lock.lock()
        defer { lock.unlock() }
        return try transport.send(request, operation: operation)
    }
}
