import AWSDynamoDB
import StreamConsumerTestKit
import Testing

@testable import StreamConsumer

/// The next page is fetched while the lanes work; restarts and prefetches never deliver a
/// record twice nor lose one. Driven through the retrieval state machine on a manual clock.
@Suite struct PrefetchTests {
    @Test func nextPageIsFetchedWhileTheLanesWork_unlessABatchIsAlreadyBuffered() {
        var simulation = RetrievalSimulation(fastTunables(batchSize: 5))
        simulation.processing = .milliseconds(30)
        simulation.write(12, from: .zero, every: .zero)
        simulation.write(8, from: .milliseconds(10), every: .zero)
        simulation.run(until: .seconds(1))
        // 12 fetched at once: two batches cut from the buffer (the first without a prefetch, a
        // batch is still buffered), then the last two with the 8 prefetched while a batch ran.
        #expect(simulation.deliveries.map(\.records.count) == [5, 5, 5, 5])
        #expect(simulation.deliveries.map(\.prefetched) == [false, true, false, true])
        #expect(simulation.deliveredSequence == Array(1...20))
    }

    @Test func aPrefetchedPage_isPacedFromWhenItCameBack() {
        var tunables = ConsumerTunables(batchSize: 1)
        tunables.idlePoll = .milliseconds(100)
        var simulation = RetrievalSimulation(tunables)
        simulation.processing = .milliseconds(30)
        simulation.write(1, from: .zero, every: .zero)
        simulation.run(until: .milliseconds(500))
        // Fetch (the record), the prefetch at the delivery, then the idle pace counted from the
        // prefetch, not from the end of the batch.
        #expect(Array(simulation.fetches.prefix(3)) == [0, 0, 100].map { Duration.milliseconds($0) })
    }

    @Test func restartWhileABatchIsInFlight_dropsThePending_andDeliversNothingTwice() {
        var simulation = RetrievalSimulation(fastTunables(batchSize: 5))
        simulation.pageSize = 8
        simulation.processing = .milliseconds(30)
        simulation.write(30, from: .zero, every: .zero)
        // The third fetch is a prefetch while a batch is in flight: its iterator expired.
        simulation.faults[2] = .restart
        simulation.run(until: .seconds(2))
        #expect(simulation.deliveredSequence == Array(1...30))
    }

    @Test func restartBetweenBatches_refetchesFromTheLastProcessedRecord() {
        for fault in 0..<8 {
            var simulation = RetrievalSimulation(fastTunables(batchSize: 4))
            simulation.pageSize = 6
            simulation.processing = .milliseconds(5)
            simulation.write(20, from: .zero, every: .milliseconds(3))
            simulation.faults[fault] = .restart
            simulation.faults[fault + 3] = .restart
            simulation.run(until: .milliseconds(150))
            #expect(simulation.deliveredSequence == Array(1...20), "restarts at fetches \(fault), \(fault + 3)")
        }
    }

    @Test func processedRecords_fetchedAgain_areDropped() {
        var machine = RetrievalStateMachine(settings: .init(fastTunables(batchSize: 3)))
        machine.pageFetched((1...3).map { record($0, key: "k") }, atShardEnd: false, now: .zero)
        guard case .deliver(let batch, _) = machine.tick(now: .zero, settings: machine.settings) else {
            Issue.record("expected a delivery")
            return
        }
        machine.delivered(through: batch.end)
        // A replacement iterator returns the processed records again, and one new one.
        machine.pageFetched((1...4).map { record($0, key: "k") }, atShardEnd: false, now: .milliseconds(1))
        #expect(machine.pendingCount == 1)
    }

    @Test func failedPrefetch_backsOffAfterTheBatch_andShardEndDeliversTheRest() {
        var simulation = RetrievalSimulation(fastTunables(batchSize: 5))
        simulation.processing = .milliseconds(1)
        simulation.pageSize = 5
        simulation.write(7, from: .zero, every: .zero)
        simulation.closed = true
        simulation.faults[1] = .fail
        simulation.run(until: .seconds(1))
        // The prefetch during the first batch fails: the next fetch waits out the backoff (2 ms
        // at full jitter), counted from the failure, not from the end of the batch.
        #expect(simulation.fetches == [0, 0, 2].map { Duration.milliseconds($0) })
        // The 2 left after the first batch are delivered at shard end, then nothing more.
        #expect(simulation.deliveries.map(\.records.count) == [5, 2])
        #expect(simulation.finished)
        #expect(simulation.deliveries.last!.prefetched == false)
    }

    @Test func batcherDropsWhatWasProcessed() {
        var batcher = Batcher()
        batcher.add((1...6).map { record($0, key: "k") }, arrivedAt: .zero)
        batcher.drop(through: SequenceNumber("4")!)
        #expect(batcher.pending.map(\.sequenceNumber.digits) == ["5", "6"])
        batcher.drop(through: SequenceNumber("10")!)
        #expect(batcher.isEmpty)
        #expect(!batcher.isDue(now: .seconds(99), batchSize: 1, window: .zero, atShardEnd: true))
    }
}
