import Foundation

/// Finds the status socket of a running instance for `zael-aggregator status`.
///
/// Order: `--socket`; else the instance's config (`--config`, or `/etc/zael-aggregator/NAME.toml`)
/// read the way the unit would run it (`$RUNTIME_DIRECTORY` = `/run/zael-aggregator/NAME`); else
/// `/run/zael-aggregator/NAME/status.sock`; without a NAME, the only instance socket under
/// `/run/zael-aggregator`.
struct StatusSocketLocator {
    var configDirectory = "/etc/zael-aggregator"
    var runDirectory = "/run/zael-aggregator"
    var environment: [String: String] = ProcessInfo.processInfo.environment

    /// Why no socket could be chosen.
    enum Failure: Error, Equatable, CustomStringConvertible {
        case noInstance(runDirectory: String)
        case severalInstances([String])
        case configuration(ConfigurationError)

        var description: String {
            switch self {
            case .noInstance(let dir):
                return "no running instance found (no \(dir)/NAME/status.sock); give the instance NAME or --socket PATH"
            case .severalInstances(let names):
                return "several instances run here (\(names.joined(separator: ", "))); give the instance NAME"
            case .configuration(let error):
                return error.description
            }
        }
    }

    func resolve(name: String?, socket: String?, config: String?) throws(Failure) -> String {
        if let socket { return socket }
        let configPath = config ?? name.map { "\(configDirectory)/\($0).toml" }
        if let configPath, FileManager.default.fileExists(atPath: configPath) {
            let instance = ConfigurationContext.instanceName(forConfigPath: configPath)
            var context = ConfigurationContext.current(configPath: configPath, environment: environment)
            context.runtimeDirectory = "\(runDirectory)/\(instance)"
            do {
                return try ConfigurationLoader(environment: environment).load(path: configPath, context: context)
                    .configuration.status.socket
            } catch {
                throw .configuration(error)
            }
        }
        if let name { return "\(runDirectory)/\(name)/status.sock" }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: runDirectory)) ?? []
        let running = entries.sorted().filter {
            FileManager.default.fileExists(atPath: "\(runDirectory)/\($0)/status.sock")
        }
        switch running.count {
        case 0: throw .noInstance(runDirectory: runDirectory)
        case 1: return "\(runDirectory)/\(running[0])/status.sock"
        default: throw .severalInstances(running)
        }
    }
}
