import AWSCore
import AWSDynamoDB
import Logging

extension ShardCountPropagation {
    /// A quota's reset rule as shard 0's image resolves it (`_quota_reset_rule`).
    struct ResetRule {
        var schedule: PropagationSchedule
        /// `b_{name}_rsa` of a session quota (nil when a reset schedule rides beside it).
        var resetAfterSeconds: Int?
    }

    /// The state of one record's propagation, step by step in the reference's order.
    struct Run {
        let propagation: ShardCountPropagation
        let trigger: Trigger
        /// Shard 0's NewImage, the base of every clone.
        let image: Item
        let now: Int

        /// Per-limit starting balance of a clone (non-quota limits), in limit order.
        var startingTokens: [(String, Int)] = []
        /// Per-quota share at the new count, in limit order.
        var quotaShares: [(String, Int)] = []
        var quotaCapacity: [String: Int] = [:]
        var quotaRules: [String: ResetRule] = [:]
        var cloneError: (String, String)?
        /// The old shards read (shard → item), consistent reads before Path 1.
        var oldItems: [Int: Item] = [:]
        var siblings: [String: [QuotaGrantPlan.Sibling]] = [:]
        var extraFrozen: [Int: [(String, Int)]] = [:]
        var createdClones: [Int] = []
        var storedCounts: [Int] = []
        var outcome = Outcome()

        init(propagation: ShardCountPropagation, trigger: Trigger, image: Item, now: Int) {
            self.propagation = propagation
            self.trigger = trigger
            self.image = image
            self.now = now
        }

        var client: DynamoDBAPI { propagation.client }
        var tableName: String { propagation.tableName }

        func key(_ shard: Int) -> Item {
            ZaeLimiterSchema.bucketStateKey(
                namespace: trigger.namespace, entity: trigger.entity, resource: trigger.resource, shard: shard)
        }

        /// Each limit's clone balance at the new count, the schedule in force applied (#222).
        mutating func plan(imageOrder: [String]) throws {
            let timeZone = ShardCountPropagation.string(image, "sched_tz") ?? "UTC"
            let (itemSchedule, itemError) = PropagationSchedule.decode(
                ShardCountPropagation.string(image, "sched"), timeZone: timeZone)
            for limit in try ShardCountPropagation.limitAttributes(image, names: imageOrder) {
                if limit.name == ZaeLimiterSchema.wcuLimitName {
                    startingTokens.append((limit.name, limit.capacity))  // per partition, not divided
                    continue
                }
                let own = ShardCountPropagation.string(image, attribute(limit.name, "sched"))
                let declaresNone = own == ZaeLimiterSchema.scheduleNone
                let (limitSchedule, limitError) =
                    declaresNone ? (PropagationSchedule.none, nil) : PropagationSchedule.decode(own, timeZone: timeZone)
                var error = itemError ?? limitError
                if error == nil, try ShardCountPropagation.isQuota(limit.name, image) {
                    let (rule, ruleError) = try ShardCountPropagation.resetRule(limit.name, image)
                    quotaRules[limit.name] = rule
                    error = ruleError
                }
                if let error {
                    cloneError = (limit.name, error)
                    break
                }
                let schedule = declaresNone ? .none : (limitSchedule.isEmpty ? itemSchedule : limitSchedule)
                let scaled = try schedule.effectiveCapacity(
                    capacity: limit.capacity, refillAmount: limit.refillAmount, refillPeriod: limit.refillPeriod,
                    now: now)
                let share = PythonMath.floorDivide(scaled, trigger.newCount)
                if quotaRules[limit.name] != nil {
                    quotaShares.append((limit.name, share))
                    quotaCapacity[limit.name] = scaled
                } else {
                    startingTokens.append((limit.name, share))
                }
            }
        }

        /// ADR-145: a quota's clones are funded from the shards that exist, read once, strongly
        /// consistent, before Path 1 raises their counts (a legacy sibling's grant size is read
        /// off the count it stores). A failed read throws: the batch is redelivered.
        mutating func readSiblings() throws {
            guard !quotaShares.isEmpty, cloneError == nil else { return }
            for shard in 0..<trigger.oldCount {
                let item = try client.getItem(GetItemInput(tableName: tableName, key: key(shard), consistentRead: true))
                if let item { oldItems[shard] = item }
            }
            let quotaNames = Set(quotaShares.map(\.0))
            for shard in oldItems.keys.sorted() {
                let legacy = try ShardCountPropagation.legacyQuotaSizes(
                    shard: shard, item: oldItems[shard]!, skip: quotaNames, now: now)
                if !legacy.isEmpty { extraFrozen[shard] = legacy }
            }
            for (name, _) in quotaShares {
                var group: [QuotaGrantPlan.Sibling] = []
                for shard in oldItems.keys.sorted() {
                    if let sibling = try ShardCountPropagation.sibling(
                        shard: shard, item: oldItems[shard]!, limit: name, rule: quotaRules[name]!,
                        capacity: quotaCapacity[name]!, now: now)
                    {
                        group.append(sibling)
                    }
                }
                siblings[name] = group
            }
            storedCounts = try oldItems.keys.sorted().map { try ShardCountPropagation.storedCount(oldItems[$0]!) }
        }

        /// Path 1: raise shards 1..old-1 (`shard_count < :new`); a shard carrying a quota also
        /// gets the grant size it was read at frozen onto it.
        mutating func raiseExistingShards() throws {
            guard trigger.oldCount > 1 else { return }
            for shard in 1..<trigger.oldCount {
                var frozen: [(String, Int)] = []
                for (name, _) in quotaShares {
                    for sibling in siblings[name] ?? [] where sibling.shardId == shard {
                        frozen.append((name, sibling.grantCount))
                    }
                }
                frozen += extraFrozen[shard] ?? []
                let input =
                    frozen.isEmpty
                    ? UpdateItemInput(
                        tableName: tableName, key: key(shard), updateExpression: "SET shard_count = :new",
                        expression: ExpressionParts(
                            conditionExpression: "shard_count < :new", values: [":new": .n(String(trigger.newCount))]))
                    : ShardCountPropagation.quotaCountFreeze(
                        tableName: tableName, key: key(shard), newCount: trigger.newCount, grants: frozen)
                if try conditionalUpdate(input) { outcome.raised += 1 } else { outcome.skipped += 1 }
            }
        }

        /// One conditional UpdateItem: true when written, false when the condition refused it.
        func conditionalUpdate(_ input: UpdateItemInput) throws -> Bool {
            do {
                _ = try client.updateItem(input)
                return true
            } catch let error as AWSError where error.code == "ConditionalCheckFailedException" {
                return false
            }
        }

        func attribute(_ limit: String, _ field: String) -> String {
            ShardCountPropagation.attribute(limit, field)
        }
    }
}
