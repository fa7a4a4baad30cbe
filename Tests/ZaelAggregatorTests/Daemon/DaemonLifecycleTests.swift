import TestPeers
import Testing

@testable import ZaelAggregator

/// `DaemonLifecycle` with recording fakes: services start in list order, stop in reverse order,
/// and a start that fails stops exactly the services already started, last first.
@Suite struct DaemonLifecycleTests {
    struct StartFailed: Error, Equatable {
        let name: String
    }

    /// Services that append "start NAME" / "stop NAME" to one log; `failing` names the one whose
    /// start throws.
    final class Recorder {
        var events: [String] = []

        func services(_ names: [String], failing: String? = nil) -> [DaemonService] {
            names.map { name in
                DaemonService(
                    name,
                    start: {
                        self.events.append("start \(name)")
                        if name == failing { throw StartFailed(name: name) }
                    }, stop: { self.events.append("stop \(name)") })
            }
        }
    }

    let names = ["metrics", "emf", "scheduler", "status", "readiness", "watchdog", "signals"]

    @Test func start_startsEveryServiceInListOrder() throws {
        let recorder = Recorder()
        var lifecycle = DaemonLifecycle(recorder.services(names))
        try lifecycle.start()
        #expect(recorder.events == names.map { "start \($0)" })
        #expect(lifecycle.running == names.count)
    }

    @Test func stop_stopsInReverseOrder_once() throws {
        let recorder = Recorder()
        var lifecycle = DaemonLifecycle(recorder.services(names))
        try lifecycle.start()
        recorder.events.removeAll()
        lifecycle.stop()
        #expect(recorder.events == names.reversed().map { "stop \($0)" })
        #expect(lifecycle.running == 0)
        lifecycle.stop()
        #expect(recorder.events.count == names.count)
    }

    @Test func failedStart_stopsTheStartedServicesInReverse_andRethrows() {
        let recorder = Recorder()
        var lifecycle = DaemonLifecycle(recorder.services(names, failing: "readiness"))
        #expect(throws: StartFailed(name: "readiness")) { try lifecycle.start() }
        #expect(
            recorder.events == [
                "start metrics", "start emf", "start scheduler", "start status", "start readiness",
                "stop status", "stop scheduler", "stop emf", "stop metrics",
            ])
        #expect(lifecycle.running == 0)
        // Nothing left to stop: a later stop does not touch the failed or unstarted services.
        lifecycle.stop()
        #expect(recorder.events.count == 9)
    }

    @Test func failedFirstStart_stopsNothing() {
        let recorder = Recorder()
        var lifecycle = DaemonLifecycle(recorder.services(names, failing: "metrics"))
        #expect(throws: StartFailed(name: "metrics")) { try lifecycle.start() }
        #expect(recorder.events == ["start metrics"])
    }

    @Test func startWhileRunning_startsNothingTwice() throws {
        let recorder = Recorder()
        var lifecycle = DaemonLifecycle(recorder.services(["a", "b"]))
        try lifecycle.start()
        try lifecycle.start()
        #expect(recorder.events == ["start a", "start b"])
    }

    /// Random lists and failure points against the rule stated independently: the events are the
    /// starts up to and including the failing one, then the stops of the ones before it, reversed.
    @Test func randomListsAndFailures_followTheRule() {
        var random = SeededRandom.announced("DaemonLifecycleTests.random")
        for _ in 0..<500 {
            let count = Int.random(in: 0...12, using: &random)
            let list = (0..<count).map { "s\($0)" }
            let fails = count > 0 && Bool.random(using: &random)
            let failingIndex = fails ? Int.random(in: 0..<count, using: &random) : nil
            let recorder = Recorder()
            var lifecycle = DaemonLifecycle(recorder.services(list, failing: failingIndex.map { list[$0] }))
            var expected: [String]
            if let failingIndex {
                #expect(throws: StartFailed(name: list[failingIndex])) { try lifecycle.start() }
                expected = list[...failingIndex].map { "start \($0)" }
                expected += list[..<failingIndex].reversed().map { "stop \($0)" }
            } else {
                #expect(throws: Never.self) { try lifecycle.start() }
                lifecycle.stop()
                expected = list.map { "start \($0)" } + list.reversed().map { "stop \($0)" }
            }
            #expect(recorder.events == expected, "list \(list), failing \(failingIndex.map(String.init) ?? "none")")
            #expect(lifecycle.running == 0)
        }
    }
}
