import Foundation

/// The host facts that some defaults depend on. Build it once per process and reuse it when the
/// configuration is reloaded, so the default worker ID keeps its random suffix.
public struct ConfigurationContext: Sendable, Equatable {
    /// The instance name: the config file's name without `.toml` (`/etc/zael-aggregator/prod.toml`
    /// → `prod`), as systemd's `%i`.
    public var instance: String
    public var hostname: String
    /// A random suffix for the default worker ID.
    public var workerSuffix: String
    /// systemd's `$STATE_DIRECTORY` (first entry), if set.
    public var stateDirectory: String?
    /// systemd's `$RUNTIME_DIRECTORY` (first entry), if set.
    public var runtimeDirectory: String?

    public init(
        instance: String, hostname: String, workerSuffix: String, stateDirectory: String?, runtimeDirectory: String?
    ) {
        self.instance = instance
        self.hostname = hostname
        self.workerSuffix = workerSuffix
        self.stateDirectory = stateDirectory
        self.runtimeDirectory = runtimeDirectory
    }

    /// The context of this process for the config file at `configPath`.
    public static func current(
        configPath: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> ConfigurationContext {
        var name = [CChar](repeating: 0, count: 256)
        let host =
            gethostname(&name, name.count) == 0
            ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        let suffix = String(format: "%06x", UInt32.random(in: 0...0xFF_FFFF))
        return ConfigurationContext(
            instance: instanceName(forConfigPath: configPath), hostname: host.isEmpty ? "localhost" : host,
            workerSuffix: suffix, stateDirectory: firstEntry(environment["STATE_DIRECTORY"]),
            runtimeDirectory: firstEntry(environment["RUNTIME_DIRECTORY"]))
    }

    /// `prod` for `/etc/zael-aggregator/prod.toml`.
    public static func instanceName(forConfigPath path: String) -> String {
        var name = URL(fileURLWithPath: path).lastPathComponent
        if name.hasSuffix(".toml") { name.removeLast(5) }
        return name.isEmpty ? "default" : name
    }

    // systemd joins several StateDirectory= entries with ':'; the first is ours.
    private static func firstEntry(_ value: String?) -> String? {
        guard let first = value?.split(separator: ":").first, !first.isEmpty else { return nil }
        return String(first)
    }

    /// Default `leases.worker_id`: `<hostname>-<suffix>`.
    public var defaultWorkerID: String { "\(hostname)-\(workerSuffix)" }

    /// Default `consumer.on_failure_spool`.
    public var defaultSpoolPath: String {
        stateDirectory.map { "\($0)/failed.jsonl" } ?? "./failed.jsonl"
    }

    /// Default `status.socket`.
    public var defaultStatusSocket: String {
        runtimeDirectory.map { "\($0)/status.sock" } ?? "/run/zael-aggregator/\(instance).sock"
    }
}
