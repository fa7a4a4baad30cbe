extension ShardConsumer {
    /// The lifecycle of one shard consumer as a plain value: events in, actions out. The
    /// consumer's queue owns it and performs the actions; tests drive it without threads.
    ///
    /// ```
    ///                    parents ended
    ///  waitingForParents ─────────────► initializing ──► processing ──► endingShard ──► stopped(.shardEnded)
    ///        │                              │               │  │ shutdown   │
    ///        │ shutdown / lease lost        │               │  └──────────► shuttingDown ──► stopped(.requested)
    ///        └──────────────────────────────┴─► stopped     │ lease lost          (also from endingShard)
    ///                                                       └──────────► notifyingLeaseLost ──► stopped(.leaseLost)
    /// ```
    struct StateMachine: Sendable, Equatable {
        enum State: Sendable, Equatable {
            case waitingForParents
            case initializing
            case processing
            case endingShard
            case shuttingDown
            case notifyingLeaseLost
            case stopped(ShutdownReason)
        }

        enum Action: Sendable, Equatable {
            /// Wait a little, then check whether the parents ended.
            case checkParents
            /// Claim lanes, read checkpoints, make and initialize processors.
            case initialize
            /// Fetch and process the next batch.
            case processBatch
            /// Checkpoint the idle lanes, call `shardEnded`, write SHARD_END.
            case endShard
            /// Call `shutdownRequested`, checkpoint every lane, then stop.
            case shutDown
            /// Call `leaseLost` on the processors; write nothing.
            case notifyLeaseLost
            /// Leave the loop; the scheduler releases or forgets the lease.
            case finish(ShutdownReason)

            /// Whether the action processes records or writes progress, so it waits while the
            /// lease is unconfirmed. Shutting down and stopping never wait.
            var needsConfirmedLease: Bool {
                switch self {
                case .initialize, .processBatch, .endShard: return true
                case .checkParents, .shutDown, .notifyLeaseLost, .finish: return false
                }
            }
        }

        enum Event: Sendable, Equatable {
            case started(hasLeasedParents: Bool)
            case parentsChecked(allEnded: Bool)
            case initialized(atShardEnd: Bool)
            case initializationFailed
            case batchProcessed(reachedShardEnd: Bool)
            case shardEndCheckpointed
            case shutdownCompleted
            case leaseLostNotified
            case leaseLost
            case shutdownRequested
        }

        private(set) var state: State = .waitingForParents
        /// A shutdown asked for while a step ran; honoured when the step ends.
        private(set) var shutdownPending = false

        var isStopped: Bool {
            if case .stopped = state { return true }
            return false
        }

        /// The action to perform in the current state.
        var nextAction: Action {
            switch state {
            case .waitingForParents: return .checkParents
            case .initializing: return .initialize
            case .processing: return shutdownPending ? .shutDown : .processBatch
            case .endingShard: return .endShard
            case .shuttingDown: return .shutDown
            case .notifyingLeaseLost: return .notifyLeaseLost
            case .stopped(let reason): return .finish(reason)
            }
        }

        mutating func handle(_ event: Event) -> Action {
            switch (state, event) {
            case (_, _) where isStopped:
                break
            case (_, .leaseLost):
                // Processors that were initialized learn of the loss; before that nothing to tell.
                switch state {
                case .processing, .endingShard, .shuttingDown: state = .notifyingLeaseLost
                // A second report of the same loss (the fence and the coordinator both saw it).
                case .notifyingLeaseLost: break
                default: state = .stopped(.leaseLost)
                }
            case (.waitingForParents, .started(let hasLeasedParents)):
                state = hasLeasedParents ? .waitingForParents : .initializing
            case (.waitingForParents, .parentsChecked(let allEnded)):
                if allEnded { state = .initializing }
            case (.waitingForParents, .shutdownRequested), (.initializing, .shutdownRequested):
                // Nothing processed yet: nothing to flush or checkpoint.
                state = .stopped(.requested)
            case (.initializing, .initialized(let atShardEnd)):
                state = atShardEnd ? .endingShard : .processing
                if shutdownPending && !atShardEnd { state = .shuttingDown }
            case (.initializing, .initializationFailed):
                break
            case (.processing, .shutdownRequested):
                shutdownPending = true
                state = .shuttingDown
            case (.processing, .batchProcessed(let reachedShardEnd)):
                if reachedShardEnd { state = .endingShard }
            case (.endingShard, .shardEndCheckpointed):
                state = .stopped(.shardEnded)
            case (.endingShard, .shutdownRequested):
                // Finishing the shard is the better checkpoint; the shutdown waits for it.
                shutdownPending = true
            case (.shuttingDown, .shutdownCompleted):
                state = .stopped(.requested)
            case (.notifyingLeaseLost, .leaseLostNotified):
                state = .stopped(.leaseLost)
            default:
                // Events that do not apply to the state (a late batch result after shutdown was
                // requested, a repeated request) change nothing.
                break
            }
            return nextAction
        }
    }
}
