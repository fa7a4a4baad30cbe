import CSystemd
import Foundation

/// Sends sd_notify(3) state changes to systemd: readiness, status text, reload and stop, watchdog
/// pings.
///
/// `SystemdNotifier()` uses libsystemd's `sd_notify(0, …)` with this process's `$NOTIFY_SOCKET`;
/// `SystemdNotifier(socketPath:)` sends the same datagrams to an explicit socket (tests, and
/// embedding without touching the process environment). Both are no-ops when there is no socket,
/// i.e. when the daemon does not run under a Type=notify unit. Safe to call from any thread.
public final class SystemdNotifier: Sendable {
    enum Destination: Sendable, Equatable {
        case processEnvironment
        case socket(String)
        case none
    }

    let destination: Destination

    /// The notifier for this process: libsystemd and `$NOTIFY_SOCKET`.
    public init() {
        destination = .processEnvironment
    }

    /// A notifier that sends to `socketPath` (a filesystem path, or `@name` for the abstract
    /// namespace, as in `$NOTIFY_SOCKET`); `nil` or empty makes every call a no-op.
    public init(socketPath: String?) {
        if let socketPath, !socketPath.isEmpty {
            destination = .socket(socketPath)
        } else {
            destination = .none
        }
    }

    /// A notifier for the socket named by `environment["NOTIFY_SOCKET"]`.
    public convenience init(environment: [String: String]) {
        self.init(socketPath: environment["NOTIFY_SOCKET"])
    }

    /// Whether messages go anywhere (a socket is configured).
    public var isEnabled: Bool {
        switch destination {
        case .processEnvironment: return getenv("NOTIFY_SOCKET") != nil
        case .socket: return true
        case .none: return false
        }
    }

    /// Sends `messages` in one datagram. Returns `false` when there is no socket (nothing sent).
    /// Throws `SystemdError` when the socket exists but sending failed (e.g. systemd is gone).
    @discardableResult
    public func notify(_ messages: NotifyMessage...) throws -> Bool {
        try notify(messages)
    }

    /// Sends `messages` in one datagram; see `notify(_:)`.
    @discardableResult
    public func notify(_ messages: [NotifyMessage]) throws -> Bool {
        let payload = NotifyMessage.payload(messages)
        switch destination {
        case .none:
            return false
        case .processEnvironment:
            let rc = zael_sd_notify(payload)
            if rc < 0 { throw SystemdError(operation: "sd_notify", code: -rc) }
            return rc > 0
        case .socket(let path):
            try NotifySocket.send(payload, to: path)
            return true
        }
    }
}
