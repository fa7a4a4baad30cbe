import Foundation
import StreamConsumer
import SystemdSupport

/// Turns the engine's progress reports into `ProgressMonitor` heartbeats, one component per
/// shard consumer plus the lease loop, so the watchdog withholds `WATCHDOG=1` as soon as any one
/// of them stops moving (a worker wedged in a stalled HTTP call, a lease loop that hangs).
///
/// Called from every shard queue and loop thread: the token table is guarded by `lock`.
final class DaemonHealth: @unchecked Sendable {
    let monitor: ProgressMonitor
    private let deadline: Duration
    private let lock = NSLock()
    // Guarded by `lock`.
    private var tokens: [ConsumerComponent: ProgressMonitor.Token] = [:]

    /// - Parameter deadline: how long a component may go without progress before it counts as
    ///   wedged; the daemon uses the watchdog interval.
    init(monitor: ProgressMonitor = ProgressMonitor(), deadline: Duration) {
        self.monitor = monitor
        self.deadline = deadline
    }

    func report(_ component: ConsumerComponent) {
        switch component {
        case .shardConsumerStopped(let shardId):
            let token = lock.withLock { tokens.removeValue(forKey: .shardConsumer(shardId: shardId)) }
            if let token { monitor.unregister(token) }
        case .leaseLoop, .shardSync, .shardConsumer:
            let token = lock.withLock {
                if let token = tokens[component] { return token }
                let token = monitor.register(name: component.name, deadline: deadline(for: component))
                tokens[component] = token
                return token
            }
            monitor.beat(token)
        }
    }

    /// A sign of life from inside a shard's work (an AWS call attempt of one of its lanes).
    /// Beats only a registered consumer: a late call after the consumer stopped must not bring
    /// back a component that will never report again.
    func alive(shardId: String) {
        let token = lock.withLock { tokens[.shardConsumer(shardId: shardId)] }
        if let token { monitor.beat(token) }
    }

    /// A shard scheduler stopped (its stream drained): its loops report no more, and the next
    /// scheduler's register afresh.
    func schedulerStopped() {
        let gone = lock.withLock { () -> [ProgressMonitor.Token] in
            [ConsumerComponent.leaseLoop, .shardSync].compactMap { tokens.removeValue(forKey: $0) }
        }
        for token in gone { monitor.unregister(token) }
    }

    /// The shard sync loop sleeps for its whole interval between rounds; its deadline allows for that.
    private func deadline(for component: ConsumerComponent) -> Duration {
        component == .shardSync ? deadline + .seconds(3600) : deadline
    }
}
