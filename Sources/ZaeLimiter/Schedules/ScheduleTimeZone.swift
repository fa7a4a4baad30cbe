import Foundation

/// A schedule's time zone (`sched_tz`), resolved the way Python's `zoneinfo.ZoneInfo` resolves
/// it for zae-limiter, with its UTC offsets held as a transition table.
///
/// A key is accepted when it is a normalised relative path naming a TZif file under the host's
/// zoneinfo directory (Python's rule on the same host) and Foundation knows the zone; the
/// offsets come from Foundation's `TimeZone`. Local-time arithmetic follows `zoneinfo`'s PEP 495
/// rules exactly: `fold` picks the first or second reading of a repeated wall time, and a wall
/// time inside a gap takes the offset from before the gap (fold 0) or after it (fold 1).
/// Tables are built once per key and shared.
public struct ScheduleTimeZone: Sendable, Equatable, Hashable {
    /// The `sched_tz` key, e.g. `"Europe/Berlin"`.
    public let identifier: String
    let table: OffsetTable

    /// Instants (epoch milliseconds) the table covers: 1900-01-01 to 2200-01-01 UTC. Schedule
    /// functions report ``ScheduleError/Kind/outOfRange`` for instants whose scan would leave it.
    public static let supportedRange: ClosedRange<Int64> = -2_208_988_800_000...7_258_118_400_000

    /// The directory Python's `zoneinfo` searches first on Linux.
    static let zoneDirectory = "/usr/share/zoneinfo"

    public static func == (lhs: ScheduleTimeZone, rhs: ScheduleTimeZone) -> Bool {
        lhs.identifier == rhs.identifier
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(identifier) }

    /// Resolves `identifier` as `ZoneInfo(identifier)` would; throws where Python raises.
    public static func named(_ identifier: String) throws(ScheduleError) -> ScheduleTimeZone {
        if let cached = cache.lookup(identifier) { return cached }
        let zone = try load(identifier)
        cache.store(zone)
        return zone
    }

    private static let cache = ZoneCache()

    private static func load(_ identifier: String) throws(ScheduleError) -> ScheduleTimeZone {
        let unknown = ScheduleError.invalid("unknown timezone \(identifier.debugDescription)")
        // zoneinfo's key checks: relative, and unchanged by normpath (no `..`, `//`, `./`,
        // trailing slash). A NUL byte makes every file lookup fail with ValueError.
        guard !identifier.isEmpty, !identifier.hasPrefix("/"), !identifier.unicodeScalars.contains("\0") else {
            throw unknown
        }
        let components = identifier.split(separator: "/", omittingEmptySubsequences: false)
        guard !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else { throw unknown }
        let path = zoneDirectory + "/" + identifier
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw unknown }
        if isDirectory.boolValue {
            // Python falls through to the `tzdata` package, whose `open()` of a directory raises
            // IsADirectoryError: not a ValueError, so the aggregator skips the record.
            throw ScheduleError(.unreadable, "timezone \(identifier.debugDescription) names a directory")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw unknown }
        let magic = try? handle.read(upToCount: 4)
        try? handle.close()
        guard magic == Data("TZif".utf8), let zone = TimeZone(identifier: identifier) else {
            throw unknown
        }
        return ScheduleTimeZone(identifier: identifier, table: OffsetTable(zone))
    }

    /// The UTC offset in seconds at the UTC second `second`.
    func offset(atSecond second: Int64) -> Int64 { table.offset(atSecond: second) }

    /// `datetime.fromtimestamp(ms / 1000, zone)`: wall-clock seconds since the local epoch,
    /// and `fold`.
    func wallClock(atMilliseconds milliseconds: Int64) -> (wall: Int64, fold: Bool) {
        table.wallClock(atSecond: floorDivide(milliseconds, 1000))
    }

    /// `datetime(..., fold=fold, tzinfo=zone).timestamp()` for a wall-clock second count.
    func utcSecond(wall: Int64, fold: Bool) -> Int64 { table.utcSecond(wall: wall, fold: fold) }
}

/// Python's `//` on integers.
func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
    let quotient = value / divisor
    return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
}

/// The shared, lock-guarded cache of loaded zones.
private final class ZoneCache: @unchecked Sendable {
    // `lock` guards `zones`.
    private let lock = NSLock()
    private var zones: [String: ScheduleTimeZone] = [:]

    func lookup(_ identifier: String) -> ScheduleTimeZone? {
        lock.lock()
        defer { lock.unlock() }
        return zones[identifier]
    }

    func store(_ zone: ScheduleTimeZone) {
        lock.lock()
        defer { lock.unlock() }
        zones[zone.identifier] = zone
    }
}
