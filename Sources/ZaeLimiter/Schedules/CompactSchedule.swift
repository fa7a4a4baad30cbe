/// The compact storage form of schedules (`zae_limiter.schedule` §4.1): a decimal version
/// marker (version 1 only), then entries joined by `;`, each a run of tagged tokens: cron fields
/// `m h D M w` (missing = `*`), then `s` (scale, per mille) or `c` / `a` / `p` (absolute capacity,
/// refill amount, refill period in seconds). Example: `1h9-17w1-5s500;h0-6c2000`.
enum CompactSchedule {
    static let fieldTags: [Unicode.Scalar] = ["m", "h", "D", "M", "w"]
    static let modifierTags: [Unicode.Scalar] = ["s", "c", "a", "p"]

    /// `1000 * (2**1024 - 2**970)`: from here on, `int(s) / 1000` rounds to infinity and Python
    /// raises OverflowError (not ValueError).
    static let scaleOverflowDigits =
        "1797693134862315807937289714053034150799341327100378269361737789804449682927647509466490179775872070963302864166928879109465555478519404026306574886715058206819089020007083836762738548458177115317644757302700698555713669596228429148198608349364752927190741684443655107043427115596995080930428801779041744977920"
        + "00"

    static func decode(_ compact: String, timeZone: String, reset: Bool) throws(ScheduleError) -> Schedule {
        guard !compact.isEmpty else { return .empty }
        let what = reset ? "compact reset schedule" : "compact schedule"
        let body = try stripVersion(Array(compact.unicodeScalars), compact: compact, what: what)
        var entries: [Schedule.Entry] = []
        var zone: ScheduleTimeZone?
        for part in body.split(separator: ";", omittingEmptySubsequences: false) {
            let tokens = try tokenise(part)
            let modifier: Schedule.Modifier?
            if reset {
                if modifierTags.contains(where: { tokens[$0] != nil }) {
                    throw .invalid("reset schedule entry \(text(part).debugDescription) carries modifier tokens")
                }
                modifier = .reset
            } else {
                modifier = try readModifiers(tokens, part: part)
            }
            // `ScheduleEntry.__post_init__` → `parse_cron`: the zone first, then the cron text.
            if zone == nil { zone = try ScheduleTimeZone.named(timeZone) }
            var cron: [Unicode.Scalar] = []
            for (index, tag) in fieldTags.enumerated() {
                if index > 0 { cron.append(" ") }
                cron += tokens[tag] ?? ["*"]
            }
            let pattern = try CronPattern.parse(cron)
            // `ScheduleEntry.__post_init__`'s modifier checks run after `parse_cron`.
            guard let modifier else {
                throw .invalid(
                    "schedule entry \(text(part).debugDescription) needs exactly one of a scale or absolute values, "
                        + "each positive and within zae-limiter's bounds")
            }
            entries.append(Schedule.Entry(cron: pattern, modifier: modifier))
        }
        return Schedule(entries: entries, timeZone: zone)
    }

    private static func text(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// `_strip_version`: ASCII digits, then a non-empty body; the marker must be 1 (`01` too).
    private static func stripVersion(
        _ scalars: [Unicode.Scalar], compact: String, what: String
    ) throws(ScheduleError) -> ArraySlice<Unicode.Scalar> {
        var end = 0
        while end < scalars.count, scalars[end].isASCII, ("0"..."9").contains(scalars[end]) { end += 1 }
        guard end > 0 else { throw .invalid("\(what) \(compact.debugDescription) carries no version marker") }
        guard end < scalars.count else {
            throw .invalid("\(what) \(compact.debugDescription) is a version marker with no entries after it")
        }
        let marker = scalars[..<end].drop { $0 == "0" }
        guard marker.elementsEqual(["1"]), end <= PythonText.maxIntegerDigits else {
            throw .invalid("\(what) \(compact.debugDescription) is not encoding version 1")
        }
        return scalars[end...]
    }

    /// `_tokenise`: tag letter, then one or more non-tag characters, from offset 0 to the end.
    static func tokenise(_ part: ArraySlice<Unicode.Scalar>) throws(ScheduleError) -> [Unicode.Scalar: ArraySlice<
        Unicode.Scalar
    >] {
        func isTag(_ scalar: Unicode.Scalar) -> Bool { fieldTags.contains(scalar) || modifierTags.contains(scalar) }
        var tokens: [Unicode.Scalar: ArraySlice<Unicode.Scalar>] = [:]
        var position = part.startIndex
        while position < part.endIndex, isTag(part[position]) {
            let valueStart = position + 1
            var valueEnd = valueStart
            while valueEnd < part.endIndex, !isTag(part[valueEnd]) { valueEnd += 1 }
            guard valueEnd > valueStart else { break }
            let tag = part[position]
            if tokens[tag] != nil {
                throw .invalid("duplicate \(tag) tag in compact schedule entry \(text(part).debugDescription)")
            }
            tokens[tag] = part[valueStart..<valueEnd]
            position = valueEnd
        }
        guard position == part.endIndex else {
            throw .invalid(
                "malformed compact schedule entry \(text(part).debugDescription): cannot parse from offset "
                    + "\(position - part.startIndex)")
        }
        return tokens
    }

    /// The `int()` conversions `decode` makes while building the `ScheduleEntry` arguments, in
    /// their order (`s`, then `c`, `a`, `p`). Nil when `ScheduleEntry.__post_init__` will refuse
    /// the values (not exactly one kind, not positive, beyond the bounds); the caller raises
    /// that after the cron pattern, where Python does.
    private static func readModifiers(
        _ tokens: [Unicode.Scalar: ArraySlice<Unicode.Scalar>], part: ArraySlice<Unicode.Scalar>
    ) throws(ScheduleError) -> Schedule.Modifier? {
        func integer(_ tag: Unicode.Scalar) throws(ScheduleError) -> PythonText.Integer? {
            guard let value = tokens[tag] else { return nil }
            guard let parsed = PythonText.parseInteger(value) else {
                throw .invalid("invalid literal for int() in \(text(part).debugDescription)")
            }
            return parsed
        }
        let scale = try integer("s")
        if let scale, scale.magnitudeAtLeast(scaleOverflowDigits) {
            throw ScheduleError(.unreadable, "scale in \(text(part).debugDescription) is too large for a float")
        }
        let capacity = try integer("c")
        let refillAmount = try integer("a")
        let refillPeriod = try integer("p")
        if let scale {
            guard capacity == nil, refillAmount == nil, refillPeriod == nil else { return nil }
            // 0 < s / 1000 <= 10**6 holds exactly for 1 <= s <= 10**9.
            guard let perMille = scale.int64, perMille >= 1, perMille <= 1_000_000_000 else { return nil }
            return .scale(perMille: perMille)
        }
        guard capacity != nil || refillAmount != nil || refillPeriod != nil else { return nil }
        var outOfBounds = false
        func bounded(_ value: PythonText.Integer?, _ bound: Int64) -> Int64? {
            guard let value else { return nil }
            guard let small = value.int64, small >= 1, small <= bound else {
                outOfBounds = true
                return nil
            }
            return small
        }
        let tokens = 1_000_000_000_000_000 as Int64  // zae-limiter's MAX_TOKENS
        let modifier = Schedule.Modifier.absolute(
            capacity: bounded(capacity, tokens), refillAmount: bounded(refillAmount, tokens),
            refillPeriodSeconds: bounded(refillPeriod, 1_000_000_000))
        return outOfBounds ? nil : modifier
    }
}
