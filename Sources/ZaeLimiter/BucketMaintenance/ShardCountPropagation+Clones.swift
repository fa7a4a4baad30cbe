import AWSCore
import AWSDynamoDB
import Logging

extension ShardCountPropagation.Run {
    /// Path 2: pre-create shards old..new-1 as copies of shard 0's image, one transaction each
    /// (Put if absent, the donor debits, the owner's META check).
    mutating func createClones() throws {
        guard trigger.oldCount < trigger.newCount else { return }
        // A record overtaken by a later doubling pre-creates no quota clone: it would be sized
        // at the older count and pay for slots granted at the newer one.
        if !quotaShares.isEmpty, storedCounts.contains(where: { $0 > trigger.newCount }) {
            outcome.withheld += trigger.newCount - trigger.oldCount
            return
        }
        // The quotas whose grant on the image is not current (a reset or roll pending there,
        // which every clone of the image inherits).
        let imageRefill = try ShardCountPropagation.integer(image, "rf", default: 0)!
        var staleOnImage: Set<String> = []
        for (name, _) in quotaShares {
            let rule = quotaRules[name]!
            let current = try QuotaGrantPlan.periodIsCurrent(
                resetAfterSeconds: rule.resetAfterSeconds,
                previousResetEdge: { try rule.schedule.previousResetEdge(now: now) },
                refill: imageRefill, windowStart: try ShardCountPropagation.integer(image, attribute(name, "ws")),
                windowApplied: try ShardCountPropagation.integer(image, attribute(name, "wa")), now: now)
            if !current { staleOnImage.insert(name) }
        }
        let ownerCheck = try ShardCountPropagation.cloneOwnerCheck(
            tableName: tableName, namespace: trigger.namespace, entity: trigger.entity, image: image)
        for shard in trigger.oldCount..<trigger.newCount {
            var item = image
            item["PK"] = key(shard)["PK"]
            item["GSI2SK"] = .s(ZaeLimiterSchema.bucketIndex2SortKey(entity: trigger.entity, shard: shard))
            item["GSI3SK"] = .s(ZaeLimiterSchema.bucketIndex3SortKey(resource: trigger.resource, shard: shard))
            item["GSI4SK"] = .s(
                ZaeLimiterSchema.bucketIndex4SortKey(entity: trigger.entity, resource: trigger.resource, shard: shard))
            item["shard_count"] = .n(String(trigger.newCount))
            var grants = startingTokens
            var debits: [QuotaGrantPlan.DonorDebit] = []
            var staleMove = false
            for (name, share) in quotaShares {
                let grant = QuotaGrantPlan.grant(siblings: siblings[name] ?? [], shardId: shard, shareMilli: share)
                grants.append((name, grant.tokensMilli))
                item[attribute(name, "gc")] = .n(String(trigger.newCount))
                // A top-up stays with the shard it was credited to (ADR-149).
                item[attribute(name, "tu")] = nil
                if grant.donorShard != nil, staleOnImage.contains(name) { staleMove = true }
                if let donor = grant.donorShard, let donorGrantCount = grant.donorGrantCount, grant.tokensMilli > 0 {
                    debits.append(
                        try ShardCountPropagation.donorDebit(
                            shard: donor, grantCount: donorGrantCount, tokens: grant.tokensMilli, limit: name,
                            donor: oldItems[donor]!, rule: quotaRules[name]!, now: now))
                }
            }
            if staleMove {
                // R13: the clone would inherit shard 0's pending reset for a quota it was moved,
                // and its next pass would mint a fresh share over the move. The client creates it.
                outcome.withheld += 1
                continue
            }
            for (name, tokens) in grants {
                item[attribute(name, "tk")] = .n(String(tokens))
                item[attribute(name, "tc")] = .n("0")
                if item[attribute(name, "wtc")] != nil { item[attribute(name, "wtc")] = .n("0") }
            }
            var actions: [TransactWriteItem] = [
                .put(
                    PutItemInput(
                        tableName: tableName, item: item,
                        expression: ExpressionParts(conditionExpression: "attribute_not_exists(PK)")))
            ]
            actions += ShardCountPropagation.donorUpdates(
                tableName: tableName, namespace: trigger.namespace, entity: trigger.entity,
                resource: trigger.resource, debits: debits)
            actions.append(ownerCheck)
            do {
                _ = try client.transactWriteItems(TransactWriteItemsInput(items: actions))
            } catch let error as AWSError where error.code == "TransactionCanceledException" {
                // The client created this shard, a donor moved since the read, or the owner
                // moved since the image: nothing was written; the client creates it lazily.
                let ownerMoved =
                    error.cancellationReasons.count == actions.count
                    && error.cancellationReasons.last == "ConditionalCheckFailed"
                propagation.logger.debug(
                    ownerMoved
                        ? "Clone skipped - the owner moved since the stream image"
                        : "Clone transaction cancelled - left to the client",
                    metadata: [
                        "resource": "\(trigger.resource)", "shard": "\(shard)",
                        "reasons": "\(error.cancellationReasons.joined(separator: ","))",
                    ])
                outcome.skipped += 1
                continue
            }
            outcome.created += 1
            if !quotaShares.isEmpty { createdClones.append(shard) }
            // A later clone planning off the same donor sees what it has left.
            for debit in debits {
                siblings[debit.limitName] = siblings[debit.limitName]?.map { sibling in
                    var sibling = sibling
                    if sibling.shardId == debit.shardId { sibling.tokensMilli -= debit.tokensMilli }
                    return sibling
                }
            }
        }
    }

    /// `_repair_quota_clones`: when shard 0's count (re-read) or an old shard's moved past this
    /// record's, raise the quota clones created here with their grant frozen at this count.
    /// Failures are logged and counted, never thrown (see the type's note). Never the entity id
    /// in logs: it is routinely an API key.
    mutating func repairClones() {
        guard !createdClones.isEmpty else { return }
        let current: Int
        do {
            let read = try client.getItem(
                GetItemInput(
                    tableName: tableName, key: key(0), consistentRead: true, projectionExpression: "shard_count"))
            current = max(storedCounts.max() ?? trigger.newCount, try ShardCountPropagation.storedCount(read ?? [:]))
        } catch {
            logRepairFailure(shard: 0, error)
            return
        }
        guard current > trigger.newCount else { return }
        let grants = quotaShares.map { ($0.0, trigger.newCount) }
        for shard in createdClones {
            let input = ShardCountPropagation.quotaCountFreeze(
                tableName: tableName, key: key(shard), newCount: current, grants: grants)
            do {
                if try conditionalUpdate(input) { outcome.repaired += 1 } else { outcome.skipped += 1 }
            } catch {
                logRepairFailure(shard: shard, error)
            }
        }
    }

    private mutating func logRepairFailure(shard: Int, _ error: any Error) {
        outcome.repairFailures += 1
        let code = (error as? AWSError)?.code ?? String(describing: type(of: error))
        propagation.logger.warning(
            "Quota clone count repair failed - clones keep their created count",
            metadata: ["resource": "\(trigger.resource)", "shard": "\(shard)", "error_code": "\(code)"])
    }
}
