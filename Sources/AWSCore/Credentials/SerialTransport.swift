import Foundation

/// An `HTTPTransport` that may be shared across threads: every use holds a lock, which meets
/// the transport's one-thread-at-a-time rule for the rare calls credential providers make.
final class SerialTransport: @unchecked Sendable {
    // `lock` guards every use of `transport`.
    private let lock = NSLock()
    private let transport: any HTTPTransport

    init(_ transport: any HTTPTransport) {
        self.transport = transport
    }

    func send(_ request: HTTPRequest, operation: String) throws -> HTTPResponse {
        lock.lock()
        defer { lock.unlock() }
        return try transport.send(request, operation: operation)
    }
}
