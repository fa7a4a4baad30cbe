import AWSDynamoDB

/// The quota pieces of propagation: reset rules, siblings and donor debits read off items,
/// and the requests built from them (`_quota_reset_rule`, `_quota_sibling_from_image`,
/// `_legacy_quota_sizes`, `_donor_debit`, `_donor_update_items`, `_quota_count_freeze`,
/// `_clone_owner_check`).
extension ShardCountPropagation {
    /// `_quota_reset_rule`: the limit's own `rsched` (the `-` marker blocking the item's), else
    /// the item's; `rsa` counts only when no reset schedule rides beside it. The error of an
    /// undecodable reset schedule is returned, not thrown.
    static func resetRule(_ limit: String, _ image: Item) throws -> (ResetRule, String?) {
        let timeZone = string(image, "sched_tz") ?? "UTC"
        let own = string(image, attribute(limit, "rsched"))
        var schedule = PropagationSchedule.none
        var error: String?
        if own != ZaeLimiterSchema.scheduleNone {
            let compact = (own?.isEmpty ?? true) ? string(image, "rsched") : own
            (schedule, error) = PropagationSchedule.decodeReset(compact, timeZone: timeZone)
        }
        let rsa = try integer(image, attribute(limit, "rsa"))
        return (ResetRule(schedule: schedule, resetAfterSeconds: schedule.isEmpty ? rsa : nil), error)
    }

    /// `_quota_sibling_from_image`: nil when the shard lacks the quota. No `gc` reads as the
    /// stored count, halved while the balance holds more than one share at it (R7); a corrupt
    /// `gc < 1` reads as the stored count.
    static func sibling(shard: Int, item: Item, limit: String, rule: ResetRule, capacity: Int, now: Int) throws
        -> QuotaGrantPlan.Sibling?
    {
        guard let tokens = try nativeInteger(item, attribute(limit, "tk")) else { return nil }
        var grantCount: Int
        if let stored = try nativeInteger(item, attribute(limit, "gc")) {
            grantCount = stored < 1 ? try storedCount(item) : stored
        } else {
            grantCount = try storedCount(item)
            while grantCount > 1, tokens > PythonMath.floorDivide(capacity, grantCount) {
                grantCount = PythonMath.floorDivide(grantCount, 2)
            }
        }
        let current = try QuotaGrantPlan.periodIsCurrent(
            resetAfterSeconds: rule.resetAfterSeconds,
            previousResetEdge: { try rule.schedule.previousResetEdge(now: now) },
            refill: try nativeInteger(item, "rf") ?? 0, windowStart: try nativeInteger(item, attribute(limit, "ws")),
            windowApplied: try nativeInteger(item, attribute(limit, "wa")), now: now)
        return QuotaGrantPlan.Sibling(shardId: shard, tokensMilli: tokens, grantCount: grantCount, current: current)
    }

    /// `_legacy_quota_sizes`: `(name, grant count)` of every legacy (no `gc`) quota a sibling
    /// carries that shard 0's image does not, sized by the R7 rule against its own
    /// schedule-effective capacity (the base one when its schedule does not decode).
    ///
    /// In name order: the reference follows the order of the GetItem response's JSON object,
    /// which DynamoDB does not define and a dictionary does not keep.
    static func legacyQuotaSizes(shard: Int, item: Item, skip: Set<String>, now: Int) throws -> [(String, Int)] {
        let timeZone = string(item, "sched_tz") ?? "UTC"
        var sizes: [(String, Int)] = []
        for limit in try limitAttributes(item, names: item.keys.sorted()) {
            if limit.name == ZaeLimiterSchema.wcuLimitName || skip.contains(limit.name)
                || item[attribute(limit.name, "gc")] != nil
            {
                continue
            }
            guard try isQuota(limit.name, item) else { continue }
            let own = string(item, attribute(limit.name, "sched"))
            var schedule = PropagationSchedule.none
            if own != ZaeLimiterSchema.scheduleNone {
                let compact = (own?.isEmpty ?? true) ? string(item, "sched") : own
                let (decoded, error) = PropagationSchedule.decode(compact, timeZone: timeZone)
                if error == nil { schedule = decoded }
            }
            let capacity = try schedule.effectiveCapacity(
                capacity: limit.capacity, refillAmount: 0, refillPeriod: limit.refillPeriod, now: now)
            if let sibling = try self.sibling(
                shard: shard, item: item, limit: limit.name,
                rule: ResetRule(schedule: .none, resetAfterSeconds: nil), capacity: capacity, now: now)
            {
                sizes.append((limit.name, sibling.grantCount))
            }
        }
        return sizes
    }

    /// `_donor_debit`: a session quota is guarded on the donor's `wa` as read, a calendar quota
    /// on `rf` at or past the reset edge in force; a legacy donor on its stored count.
    static func donorDebit(
        shard: Int, grantCount: Int, tokens: Int, limit: String, donor: Item, rule: ResetRule, now: Int
    ) throws -> QuotaGrantPlan.DonorDebit {
        var guardRefill: Int?
        var guardWindowApplied: Int?
        if rule.resetAfterSeconds != nil {
            guardWindowApplied = try nativeInteger(donor, attribute(limit, "wa"))
        } else {
            guardRefill = try rule.schedule.previousResetEdge(now: now)
        }
        let legacy = donor[attribute(limit, "gc")] == nil
        return QuotaGrantPlan.DonorDebit(
            shardId: shard, limitName: limit, tokensMilli: tokens, grantCount: grantCount, guardRefill: guardRefill,
            guardWindowApplied: guardWindowApplied, legacyShardCount: legacy ? try storedCount(donor) : nil)
    }

    /// `_donor_update_items`: one `Update` per donor shard (ascending), `ADD tk -x` under the
    /// donor existing, holding `x`, carrying the grant count read and a current-period grant.
    static func donorUpdates(
        tableName: String, namespace: String, entity: String, resource: String, debits: [QuotaGrantPlan.DonorDebit]
    ) -> [TransactWriteItem] {
        var byShard: [Int: [QuotaGrantPlan.DonorDebit]] = [:]
        for debit in debits { byShard[debit.shardId, default: []].append(debit) }
        return byShard.keys.sorted().map { shard in
            var names = ["#qsc": "shard_count"]
            var values: Item = [:]
            var adds: [String] = []
            var conditions = ["attribute_exists(PK)"]
            for (i, debit) in byShard[shard]!.enumerated() {
                names["#qt\(i)"] = attribute(debit.limitName, "tk")
                names["#qg\(i)"] = attribute(debit.limitName, "gc")
                values[":qx\(i)"] = .n(String(debit.tokensMilli))
                values[":qn\(i)"] = .n(String(-debit.tokensMilli))
                values[":qg\(i)"] = .n(String(debit.grantCount))
                adds.append("#qt\(i) :qn\(i)")
                conditions.append("#qt\(i) >= :qx\(i)")
                var legacy = ":qg\(i)"
                if let count = debit.legacyShardCount {
                    legacy = ":ql\(i)"
                    values[legacy] = .n(String(count))
                }
                conditions.append("(#qg\(i) = :qg\(i) OR (attribute_not_exists(#qg\(i)) AND #qsc = \(legacy)))")
                if let edge = debit.guardRefill {
                    names["#qrf"] = "rf"
                    values[":qe\(i)"] = .n(String(edge))
                    conditions.append("#qrf >= :qe\(i)")
                }
                if let applied = debit.guardWindowApplied {
                    names["#qw\(i)"] = attribute(debit.limitName, "wa")
                    values[":qw\(i)"] = .n(String(applied))
                    conditions.append("#qw\(i) = :qw\(i)")
                }
            }
            return .update(
                UpdateItemInput(
                    tableName: tableName,
                    key: ZaeLimiterSchema.bucketStateKey(
                        namespace: namespace, entity: entity, resource: resource, shard: shard),
                    updateExpression: "ADD " + adds.joined(separator: ", "),
                    expression: ExpressionParts(
                        conditionExpression: conditions.joined(separator: " AND "), names: names, values: values)))
        }
    }

    /// `_quota_count_freeze`: `SET shard_count = :new, gc = if_not_exists(gc, :g)` per quota,
    /// under `shard_count < :new`.
    static func quotaCountFreeze(tableName: String, key: Item, newCount: Int, grants: [(String, Int)])
        -> UpdateItemInput
    {
        var names = ["#qsc": "shard_count"]
        var sets = ["#qsc = :qnew"]
        var values: Item = [":qnew": .n(String(newCount))]
        for (i, (name, grantCount)) in grants.enumerated() {
            names["#qf\(i)"] = attribute(name, "gc")
            values[":qo\(i)"] = .n(String(grantCount))
            sets.append("#qf\(i) = if_not_exists(#qf\(i), :qo\(i))")
        }
        return UpdateItemInput(
            tableName: tableName, key: key, updateExpression: "SET " + sets.joined(separator: ", "),
            expression: ExpressionParts(conditionExpression: "#qsc < :qnew", names: names, values: values))
    }

    /// `_clone_owner_check`: the `ConditionCheck` pinning a clone to its owner's META on the
    /// image's `pgen` / `pinc` (ADR-150); an image with neither asserts META carries neither.
    static func cloneOwnerCheck(tableName: String, namespace: String, entity: String, image: Item) throws
        -> TransactWriteItem
    {
        let generation = try nativeInteger(image, "pgen")
        var incarnation: String?
        switch image["pinc"] {
        case .s(let text)?: incarnation = text
        case .n(let text)?: incarnation = text
        case .bool(let flag)?: incarnation = flag ? "True" : "False"
        case nil, .null?: incarnation = nil
        default: throw MalformedAttribute(attribute: "pinc")
        }
        let condition = ZaeLimiterSchema.ownerMetaCondition(
            exists: generation != nil || incarnation != nil ? true : nil, parentGeneration: generation,
            incarnation: incarnation)
        return .conditionCheck(
            tableName: tableName,
            key: [
                "PK": .s(ZaeLimiterSchema.entityPartitionKey(namespace: namespace, entity: entity)),
                "SK": .s(ZaeLimiterSchema.metaSortKey),
            ],
            expression: condition)
    }
}
