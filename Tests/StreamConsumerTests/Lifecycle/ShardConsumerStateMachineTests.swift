import Testing

@testable import StreamConsumer

@Suite struct ShardConsumerStateMachineTests {
    typealias Machine = ShardConsumer.StateMachine

    @Test func rootShard_goesStraightToInitializing_thenProcessing() {
        var machine = Machine()
        #expect(machine.handle(.started(hasLeasedParents: false)) == .initialize)
        #expect(machine.handle(.initialized(atShardEnd: false)) == .processBatch)
        #expect(machine.handle(.batchProcessed(reachedShardEnd: false)) == .processBatch)
        #expect(machine.handle(.batchProcessed(reachedShardEnd: true)) == .endShard)
        #expect(machine.handle(.shardEndCheckpointed) == .finish(.shardEnded))
        #expect(machine.state == .stopped(.shardEnded))
    }

    @Test func child_waitsUntilParentsEnded() {
        var machine = Machine()
        #expect(machine.handle(.started(hasLeasedParents: true)) == .checkParents)
        #expect(machine.handle(.parentsChecked(allEnded: false)) == .checkParents)
        #expect(machine.handle(.parentsChecked(allEnded: true)) == .initialize)
    }

    @Test func shutdownBeforeInitialization_stopsWithoutFlushing() {
        var machine = Machine()
        _ = machine.handle(.started(hasLeasedParents: true))
        #expect(machine.handle(.shutdownRequested) == .finish(.requested))
    }

    @Test func shutdownWhileProcessing_flushesThenStops() {
        var machine = Machine()
        _ = machine.handle(.started(hasLeasedParents: false))
        _ = machine.handle(.initialized(atShardEnd: false))
        #expect(machine.handle(.shutdownRequested) == .shutDown)
        // A batch result arriving late changes nothing.
        #expect(machine.handle(.batchProcessed(reachedShardEnd: true)) == .shutDown)
        #expect(machine.handle(.shutdownCompleted) == .finish(.requested))
    }

    @Test func leaseLostWhileProcessing_notifiesProcessorsAndWritesNothing() {
        var machine = Machine()
        _ = machine.handle(.started(hasLeasedParents: false))
        _ = machine.handle(.initialized(atShardEnd: false))
        #expect(machine.handle(.leaseLost) == .notifyLeaseLost)
        #expect(machine.handle(.leaseLostNotified) == .finish(.leaseLost))
    }

    @Test func leaseLostTwice_theFenceAndTheCoordinator_stillNotifiesTheProcessors() {
        // The consumer's own fenced write fails and the coordinator's renewal fails too: two
        // reports of one loss. The second must not skip the processors' notification.
        var machine = Machine()
        _ = machine.handle(.started(hasLeasedParents: false))
        _ = machine.handle(.initialized(atShardEnd: false))
        #expect(machine.handle(.leaseLost) == .notifyLeaseLost)
        #expect(machine.handle(.leaseLost) == .notifyLeaseLost)
        #expect(machine.handle(.leaseLostNotified) == .finish(.leaseLost))
    }

    @Test func leaseLostBeforeProcessorsExist_stopsAtOnce() {
        var machine = Machine()
        _ = machine.handle(.started(hasLeasedParents: true))
        #expect(machine.handle(.leaseLost) == .finish(.leaseLost))
    }

    @Test func shutdownDuringShardEnd_letsTheShardEndFirst() {
        var machine = Machine()
        _ = machine.handle(.started(hasLeasedParents: false))
        _ = machine.handle(.initialized(atShardEnd: true))
        #expect(machine.state == .endingShard)
        #expect(machine.handle(.shutdownRequested) == .endShard)
        #expect(machine.handle(.shardEndCheckpointed) == .finish(.shardEnded))
    }

    @Test func failedInitialization_isRetried() {
        var machine = Machine()
        _ = machine.handle(.started(hasLeasedParents: false))
        #expect(machine.handle(.initializationFailed) == .initialize)
    }

    @Test func stoppedMachine_ignoresEverything() {
        var machine = Machine()
        _ = machine.handle(.started(hasLeasedParents: true))
        _ = machine.handle(.shutdownRequested)
        #expect(machine.handle(.leaseLost) == .finish(.requested))
        #expect(machine.handle(.initialized(atShardEnd: false)) == .finish(.requested))
    }
}
