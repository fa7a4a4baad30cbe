import AWSCore
import AWSDynamoDB
import Logging

/// zae-limiter 0.17.0's `propagate_shard_count` (with `_repair_quota_clones`) for one MODIFY
/// record: when shard 0 of a bucket raised its `shard_count`, raise the other existing shards
/// (Path 1) and pre-create the new ones as funded copies of shard 0 (Path 2).
///
/// Every request is the reference's, byte for byte in its expressions and placeholders, in the
/// same order. Conditional outcomes (ConditionalCheckFailed, TransactionCanceled) are counted as
/// skips. Where the Lambda drops work on an error, this throws instead (the engine redelivers
/// the batch): a failed Path 1 update or clone transaction, and a failed sibling read (which
/// the Lambda answers by propagating without the quota freeze and clones). The clone repair is
/// the exception: it runs only for clones this call created, which a redelivery finds existing
/// and does not repair again, so its failures are logged and counted as the Lambda logs them.
/// Used on the lane's thread.
struct ShardCountPropagation {
    let client: DynamoDBAPI
    let tableName: String
    let logger: Logger

    /// What one record's propagation did.
    struct Outcome: Equatable, Sendable {
        /// Path 1 updates written.
        var raised = 0
        /// Path 2 clones written (one transaction each).
        var created = 0
        /// Writes a condition refused (someone else moved first).
        var skipped = 0
        /// Clones held back on purpose (a quota move onto a pending reset, or a record
        /// overtaken by a later doubling), no request sent.
        var withheld = 0
        /// Clone repair writes, and repair reads or writes that failed (logged, not thrown).
        var repaired = 0
        var repairFailures = 0

        /// The reference's return value: shard items created or updated.
        var updated: Int { raised + created }
    }

    /// The bucket and counts a record asks to propagate.
    struct Trigger: Equatable {
        var namespace: String
        var entity: String
        var resource: String
        var oldCount: Int
        var newCount: Int
    }

    /// Why a record with a raised count is not propagated.
    enum Refusal: Equatable {
        case aboveMaximum(Trigger)
    }

    /// The trigger: both images carry `shard_count`, the new one is higher, and the NewImage's
    /// `PK` is shard 0 of a new-layout bucket. nil for every other record.
    static func trigger(newImage: Item, oldImage: Item?) throws -> Trigger? {
        guard let newText = newImage["shard_count"]?.n, !newText.isEmpty,
            let oldText = oldImage?["shard_count"]?.n, !oldText.isEmpty
        else { return nil }
        let newCount = try pythonInt(newText, "shard_count")
        let oldCount = try pythonInt(oldText, "shard_count")
        guard newCount > oldCount else { return nil }
        // A negative old count is corrupt; the reference would "clone" shards old..-1 (one write
        // each, unbounded), so it is refused here rather than followed.
        guard oldCount >= 0 else { throw MalformedAttribute(attribute: "shard_count") }
        guard let key = BucketPartitionKey(newImage["PK"]?.s ?? ""), key.shard == 0 else { return nil }
        return Trigger(
            namespace: key.namespace, entity: key.entity, resource: key.resource, oldCount: oldCount,
            newCount: newCount)
    }

    /// Propagates one record (`imageOrder`: the NewImage's attribute names in wire order,
    /// which decides the placeholder numbering as Python's dict order does).
    func propagate(newImage: Item, imageOrder: [String], oldImage: Item?, now: Int) throws -> Outcome {
        guard let trigger = try Self.trigger(newImage: newImage, oldImage: oldImage) else { return Outcome() }
        if trigger.newCount > ZaeLimiterSchema.maxShardCount {
            // A runaway doubling (an aggregator predating the cap), never a real split.
            logger.warning(
                "Shard count propagation skipped - above the maximum shard count",
                metadata: [
                    "resource": "\(trigger.resource)", "old_count": "\(trigger.oldCount)",
                    "new_count": "\(trigger.newCount)", "max_shard_count": "\(ZaeLimiterSchema.maxShardCount)",
                ])
            return Outcome()
        }
        var run = Run(propagation: self, trigger: trigger, image: newImage, now: now)
        try run.plan(imageOrder: imageOrder)
        try run.readSiblings()
        try run.raiseExistingShards()
        if let (limit, reason) = run.cloneError {
            logger.warning(
                "Undecodable stored schedule - not pre-creating shards",
                metadata: ["resource": "\(trigger.resource)", "limit": "\(limit)", "reason": "\(reason)"])
            return run.outcome
        }
        try run.createClones()
        run.repairClones()
        return run.outcome
    }

    /// `parse_bucket_pk` on code points: `{ns}/BUCKET#{entity}#{resource}#{shard}`, the shard
    /// after the last `#` (Python's `int()`), the entity before the first.
    struct BucketPartitionKey {
        var namespace: String
        var entity: String
        var resource: String
        var shard: Int

        init?(_ pk: String) {
            let scalars = Array(pk.unicodeScalars)
            guard let slash = scalars.firstIndex(of: "/") else { return nil }
            let rest = scalars[(slash + 1)...]
            let prefix = ZaeLimiterSchema.bucketPrefix.unicodeScalars
            guard rest.starts(with: prefix) else { return nil }
            let body = rest.dropFirst(prefix.count)
            guard let lastHash = body.lastIndex(of: "#") else { return nil }
            guard case .success(let shard) = PythonInteger.parse(Self.text(body[(lastHash + 1)...])),
                let small = Int(exactly: shard)
            else { return nil }
            let entityResource = body[..<lastHash]
            guard let firstHash = entityResource.firstIndex(of: "#") else { return nil }
            namespace = Self.text(scalars[..<slash])
            entity = Self.text(entityResource[..<firstHash])
            resource = Self.text(entityResource[(firstHash + 1)...])
            self.shard = small
        }

        private static func text(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars)
            return String(view)
        }
    }
}
