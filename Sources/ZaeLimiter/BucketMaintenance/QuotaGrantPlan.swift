/// How a new quota shard is funded (zae-limiter's ADR-145 planner, `models.plan_quota_grant`,
/// and its pieces `QuotaSibling`, `QuotaGrant`, `QuotaDonorDebit`).
///
/// A quota never drips, so a shard coming into existence is funded by a **move** off the
/// current-period sibling whose grant covers its slot, never by minting a share someone was
/// already granted. Milli-tokens throughout.
enum QuotaGrantPlan {
    /// One existing shard of a quota, as the planner sees it.
    struct Sibling: Equatable, Sendable {
        var shardId: Int
        var tokensMilli: Int
        /// The shard count its grant was sized at.
        var grantCount: Int
        /// Whether its grant belongs to the current period.
        var current: Bool
    }

    /// What a new shard starts with, and where it comes from (`donorShard` nil: a fresh share).
    struct Grant: Equatable, Sendable {
        var donorShard: Int?
        var tokensMilli: Int
        var donorGrantCount: Int?
    }

    /// The donor side of one move: `tokensMilli` off `shardId`, conditioned when written on the
    /// donor still holding them, still carrying the grant count read, and its grant still in
    /// the current period (a calendar quota's `rf` at or past `guardRefill`, a session quota's
    /// `wa` still `guardWindowApplied`; nil = that guard does not apply). A legacy donor (no
    /// `gc`) is matched on the `shard_count` it stores (`legacyShardCount`).
    struct DonorDebit: Equatable, Sendable {
        var shardId: Int
        var limitName: String
        var tokensMilli: Int
        var grantCount: Int
        var guardRefill: Int?
        var guardWindowApplied: Int?
        var legacyShardCount: Int?
    }

    /// `plan_quota_grant`: a current-period sibling `i` sized at `g` covers every slot `j` with
    /// `j % g == i % g`; the closest cover (largest `g`, then lowest id) donates
    /// `max(0, min(share, its tokens))`; no cover means a fresh share.
    static func grant(siblings: [Sibling], shardId: Int, shareMilli: Int) -> Grant {
        var donor: Sibling?
        for sibling in siblings
        where sibling.current && sibling.shardId != shardId
            && PythonMath.modulo(shardId, sibling.grantCount) == PythonMath.modulo(sibling.shardId, sibling.grantCount)
        {
            if let best = donor,
                best.grantCount > sibling.grantCount
                    || (best.grantCount == sibling.grantCount && best.shardId <= sibling.shardId)
            {
                continue
            }
            donor = sibling
        }
        guard let donor else { return Grant(donorShard: nil, tokensMilli: shareMilli) }
        return Grant(
            donorShard: donor.shardId, tokensMilli: max(0, min(shareMilli, donor.tokensMilli)),
            donorGrantCount: donor.grantCount)
    }

    /// `quota_period_is_current`: whether a grant stamped at `refill` (`rf`) with window start
    /// `windowStart` (`ws`) and applied stamp `windowApplied` (`wa`) is still this period's. A
    /// session quota (`resetAfterSeconds` set) needs a live window already applied; a calendar
    /// quota no reset edge after `rf` (`previousResetEdge` is the latest edge at or before now).
    static func periodIsCurrent(
        resetAfterSeconds: Int?, previousResetEdge: () throws -> Int?, refill: Int, windowStart: Int?,
        windowApplied: Int?, now: Int
    ) rethrows -> Bool {
        if let resetAfterSeconds {
            guard let windowStart else { return false }
            // In 128 bits: a corrupt `rsa` must not trap (Python's integers do not overflow).
            if Int128(windowStart) + Int128(resetAfterSeconds) * 1000 <= Int128(now) { return false }
            return windowStart <= (windowApplied ?? refill)
        }
        guard let edge = try previousResetEdge() else { return true }
        return edge <= refill
    }
}

/// Python's integer `//` and `%` (floor semantics), which Swift's truncating operators are not.
enum PythonMath {
    static func floorDivide(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q
    }

    static func modulo(_ a: Int, _ b: Int) -> Int {
        let r = a % b
        return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r
    }
}
