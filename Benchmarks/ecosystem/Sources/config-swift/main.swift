import Configuration
import Foundation
import ProbeSupport
import SystemPackage

// swift-configuration's hierarchy as the daemon would use it: environment variables over a file.
// It has no TOML provider (JSON by default; YAML and property lists behind traits), so the file
// is the example configuration converted to JSON by `measure`. Reads every key of the example
// with its type (READY), then reports what an operator sees for a value of the wrong type.

enum Kind { case string, int, double, bool, strings }

let keys: [(String, Kind)] = [
    ("table.name", .string), ("leases.create_table", .bool), ("leases.failover_time_seconds", .int),
    ("leases.shard_sync_interval_seconds", .int), ("consumer.batch_size", .int),
    ("consumer.batching_window_seconds", .int), ("consumer.parallelization_factor", .int),
    ("consumer.starting_position", .string), ("consumer.max_retry_attempts", .int),
    ("consumer.max_record_age_seconds", .int), ("consumer.bisect_on_error", .bool),
    ("consumer.on_failure_spool_max_mb", .int), ("consumer.idle_poll_seconds", .double),
    ("consumer.max_idle_poll_seconds", .double), ("consumer.http_timeout_seconds", .int),
    ("consumer.filters", .string), ("aggregation.windows", .strings), ("aggregation.snapshot_ttl_days", .int),
    ("aggregation.delivery", .string), ("aggregation.allow_unknown_schema", .bool), ("duties.refill", .bool),
    ("duties.proactive_shard", .bool), ("duties.propagate_shard_count", .bool), ("logging.level", .string),
    ("logging.format", .string), ("metrics.listen", .string), ("metrics.emf_file", .string),
    ("archival.bucket", .string), ("archival.prefix", .string), ("archival.path_style", .bool),
]

@main
struct ConfigSwiftProbe {
    static func main() async throws {
        guard CommandLine.arguments.count > 1 else {
            Probe.emit("ERROR usage: config-swift FILE.json")
            exit(2)
        }
        let file: FileProvider<JSONSnapshot>
        do {
            file = try await FileProvider<JSONSnapshot>(filePath: FilePath(CommandLine.arguments[1]))
        } catch {
            Probe.emit("RESULT file REFUSE \(error)")
            exit(78)
        }
        let config = ConfigReader(providers: [EnvironmentVariablesProvider(), file])
        var found = 0
        var problems: [String] = []
        for (name, kind) in keys {
            let key = ConfigKey(name)
            do {
                switch kind {
                case .string: _ = try config.requiredString(forKey: key)
                case .int: _ = try config.requiredInt(forKey: key)
                case .double: _ = try config.requiredDouble(forKey: key)
                case .bool: _ = try config.requiredBool(forKey: key)
                case .strings: _ = try config.requiredStringArray(forKey: key)
                }
                found += 1
            } catch {
                problems.append("\(name): \(error)")
            }
        }
        Probe.emit("READY")
        Probe.stat("keys_read", String(found))
        for problem in problems {
            Probe.emit("RESULT key REFUSE \(problem.replacingOccurrences(of: "\n", with: "\\n"))")
        }
        // With a default, a value of the wrong type is not an error: the default comes back.
        Probe.stat("batch_size_with_default", String(config.int(forKey: "consumer.batch_size", default: 100)))
        if !problems.isEmpty { exit(78) }
        Probe.idleUntilTerminated()
    }
}
