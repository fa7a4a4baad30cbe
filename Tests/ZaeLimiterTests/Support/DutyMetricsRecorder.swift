import CoreMetrics
import Foundation

/// Counter totals in memory, for the duty tests; injected, never bootstrapped globally.
final class DutyMetricsRecorder: MetricsFactory, @unchecked Sendable {
    // `values` is guarded by `lock`.
    private let lock = NSLock()
    private var values: [String: Int64] = [:]

    func value(_ label: String, _ dimensions: [(String, String)]) -> Int64 {
        lock.withLock { values[Self.key(label, dimensions)] ?? 0 }
    }

    fileprivate func add(_ key: String, _ amount: Int64) {
        lock.withLock { values[key, default: 0] += amount }
    }

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        ([label] + dimensions.map { "\($0.0)=\($0.1)" }).joined(separator: "|")
    }

    private final class Handler: CounterHandler, RecorderHandler, TimerHandler, @unchecked Sendable {
        let key: String
        let owner: DutyMetricsRecorder
        init(key: String, owner: DutyMetricsRecorder) {
            self.key = key
            self.owner = owner
        }
        func increment(by amount: Int64) { owner.add(key, amount) }
        func reset() {}
        func record(_ value: Int64) {}
        func record(_ value: Double) {}
        func recordNanoseconds(_ duration: Int64) {}
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> CounterHandler {
        Handler(key: Self.key(label, dimensions), owner: self)
    }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> RecorderHandler {
        Handler(key: Self.key(label, dimensions), owner: self)
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> TimerHandler {
        Handler(key: Self.key(label, dimensions), owner: self)
    }
    func destroyCounter(_ handler: CounterHandler) {}
    func destroyRecorder(_ handler: RecorderHandler) {}
    func destroyTimer(_ handler: TimerHandler) {}
}
