extension RefillPlanner {
    /// The write the limit loop decided on: `rf` moved under its lock, window marks, grant
    /// counts, an optional `vu` re-stamp, the token deltas and the consumed top-ups, with every
    /// pin the reference adds (placeholders numbered as it numbers them).
    func request() throws -> MaintenanceRequest {
        var names = self.names
        var values = self.values
        var setParts = ["rf = :new_rf"]
        // `rf` as the client stamps it: never backward, and past every window start in force.
        let newRefilledAt = ([now, state.refilledAt] + windows.compactMap { $0.start }).max()!
        values.append((":new_rf", .number(newRefilledAt)))
        values.append((":expected_rf", .number(state.refilledAt)))
        var condition = "rf = :expected_rf"

        // Window-applied marks for every window in force whose mark differs (sorted by name).
        let marked = windows.sorted { $0.name.unicodeScalars.lexicographicallyPrecedes($1.name.unicodeScalars) }
            .compactMap { window -> (String, Int128)? in
                guard let start = window.start, state.limit(named: window.name)!.windowApplied != start else {
                    return nil
                }
                return (window.name, start)
            }
        for (index, (name, start)) in marked.enumerated() {
            setParts.append("#wa\(index) = :wa\(index)")
            names.append(("#wa\(index)", "b_\(name)_wa"))
            values.append((":wa\(index)", .number(start)))
        }

        // `vu` pinned: a parameter fan-out rewrites it without touching `rf`.
        names.append(("#vu", "vu"))
        if let validUntil = state.validUntil {
            condition += " AND #vu = :expected_vu"
            values.append((":expected_vu", .number(validUntil)))
        } else {
            condition += " AND attribute_not_exists(#vu)"
        }
        for index in rolled.indices { condition += " AND #wws\(index) = :ews\(index)" }
        for raise in raised {
            condition += " AND \(raise.alias) <= \(raise.token)"
            values.append((raise.token, .number(raise.tokens)))
        }

        // Re-granted quotas get `gc = shard_count`, pinned on the count not having grown.
        for (index, name) in granted.enumerated() {
            setParts.append("#gq\(index) = :gq\(index)")
            names.append(("#gq\(index)", "b_\(name)_gc"))
            values.append((":gq\(index)", .number(state.shardCount)))
        }
        if !granted.isEmpty {
            names.append(("#gqsc", "shard_count"))
            values.append((":gqpin", .number(state.shardCount)))
            condition += " AND (attribute_not_exists(#gqsc) OR #gqsc <= :gqpin)"
        }
        var removeParts: [String] = []
        for (index, name) in granted.filter({ state.limit(named: $0)!.toppedUp != nil }).enumerated() {
            names.append(("#tq\(index)", "b_\(name)_tu"))
            removeParts.append("#tq\(index)")
        }

        // An expired `vu` is re-stamped with the next boundary, unless a limit this pass does
        // not clamp sits above its ceiling or a window waits for a client to anchor it.
        if let validUntil = state.validUntil, validUntil <= now, overCeiling.isEmpty,
            let boundary = try nextBoundary(), boundary > now
        {
            setParts.append("#vu = :new_vu")
            values.append((":new_vu", .number(boundary)))
            names.append(("#sched", "sched"))
            if let text = state.scheduleText {
                condition += " AND #sched = :expected_sched"
                values.append((":expected_sched", .string(text)))
            } else {
                condition += " AND attribute_not_exists(#sched)"
            }
            for (index, limit) in unclamped.enumerated() {
                names.append(("#vq\(index)", "b_\(limit.name)_tk"))
                values.append((":vq\(index)", .number(limit.ceiling)))
                condition += " AND #vq\(index) <= :vq\(index)"
            }
        }

        var update = "SET \(setParts.joined(separator: ", ")) ADD \(addParts.joined(separator: ", "))"
        if !removeParts.isEmpty { update += " REMOVE \(removeParts.joined(separator: ", "))" }
        return MaintenanceRequest(
            key: state.itemKey, updateExpression: update, conditionExpression: condition, names: names, values: values)
    }

    /// `_item_next_boundary`: the earliest schedule change anywhere on the item, or a window's
    /// end (at or before `now` while a window waits to be anchored).
    func nextBoundary() throws -> Int128? {
        var boundaries: [Int128] = []
        let pairs =
            [(state.schedule, state.resetSchedule)]
            + state.orderedLimits.map {
                ($0.1.schedule, $0.1.resetSchedule)
            }
        for (schedule, reset) in pairs where !schedule.isEmpty || !reset.isEmpty {
            if let boundary = try MaintenanceSchedule.nextBoundary(schedule: schedule, reset: reset, now: now) {
                boundaries.append(boundary)
            }
        }
        for window in windows { boundaries.append(window.start.map { $0 + window.lengthSeconds * 1000 } ?? now) }
        return boundaries.min()
    }
}
