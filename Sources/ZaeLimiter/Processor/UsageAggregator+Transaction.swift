import AWSCore
import AWSDynamoDB
import StreamConsumer

extension UsageAggregator {
    /// Commits one chunk with its fenced checkpoint in one TransactWriteItems.
    ///
    /// The fence (lease owner and previous checkpoint) is what makes a replay harmless: a
    /// transaction that already committed cannot commit again, on DynamoDB and on moto alike
    /// (moto ignores `ClientRequestToken`).
    func commit(
        _ chunk: WriteChunk, batch: RecordBatch, builder: inout UpdateItemBuilder, checkpointer: Checkpointer
    ) throws {
        guard !chunk.updates.isEmpty else {
            try checkpointAloneForChunk(to: chunk.checkpoint, checkpointer: checkpointer)
            return
        }
        var actions: [TransactWriteItem] = []
        actions.reserveCapacity(chunk.updates.count + 1)
        // Read in place: a copy of each update would retain and release its fields.
        chunk.updates.withUnsafeBufferPointer { updates in
            for index in updates.indices { actions.append(.update(builder.input(for: updates[index]))) }
        }
        actions.append(checkpointer.fencedCheckpoint(to: chunk.checkpoint))

        var conflicts = 0
        while true {
            let token = Self.requestToken(batch: batch, chunk: chunk, retry: conflicts)
            do {
                let output = try client.transactWriteItems(
                    TransactWriteItemsInput(items: actions, clientRequestToken: token))
                checkpointer.committed(to: chunk.checkpoint)
                recordTransaction(items: chunk.updates.count, capacity: output.consumedCapacity)
                return
            } catch let error as AWSError {
                if Self.isFenceFailure(error, actionCount: actions.count) {
                    logger.info("fenced checkpoint refused: lease lost", metadata: ["error": "\(error.code)"])
                    throw LeaseLostError(shardId: batch.shardId)
                }
                // After its own few quick retries a conflict goes to the engine, which treats it as
                // weather (`FailureClass`): retried with backoff, never spooled.
                guard Self.isConflict(error), conflicts < settings.conflictRetries else { throw error }
                conflicts += 1
                recordConflict()
                sleep(backoff(attempt: conflicts))
            }
        }
    }

    /// A cancellation whose last reason (the checkpoint's) is a failed condition.
    static func isFenceFailure(_ error: AWSError, actionCount: Int) -> Bool {
        error.code == "TransactionCanceledException" && error.cancellationReasons.count == actionCount
            && error.cancellationReasons.last == "ConditionalCheckFailed"
    }

    /// A transaction that lost a race with another one on the same item: safe to resend.
    static func isConflict(_ error: AWSError) -> Bool {
        if error.code == "TransactionConflictException" { return true }
        guard error.code == "TransactionCanceledException" else { return false }
        let reasons = error.cancellationReasons.filter { $0 != "None" }
        return !reasons.isEmpty && reasons.allSatisfy { $0 == "TransactionConflict" }
    }

    /// Full jitter over a doubling ceiling.
    func backoff(attempt: Int) -> Duration {
        Backoff(base: settings.conflictBackoff, cap: settings.conflictBackoff * 1024).delay(attempt: attempt)
    }

    /// Stable for one chunk of one delivery, so that a transport-level resend of the same call
    /// is deduplicated by DynamoDB; new per delivery attempt and conflict retry, because the
    /// content (the `ttl`) may differ and a reused token would be refused.
    static func requestToken(batch: RecordBatch, chunk: WriteChunk, retry: Int) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte
            in "\(batch.shardId)|\(batch.lane)|\(chunk.checkpoint.digits)|\(chunk.updates.first?.key.sortKey ?? "")"
            .utf8
        {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "zael-\(hex)-\(batch.attempt % 1000)-\(retry)"
    }
}
