import Foundation
import ProbeSupport
import TOMLKit

// TOMLKit (Swift over the C++ toml++ parser) on each file named: `RESULT <file> ACCEPT` or
// `RESULT <file> REFUSE <error>`, then READY once all are parsed.
for path in CommandLine.arguments.dropFirst() {
    do {
        _ = try TOMLTable(string: Probe.readText(path))
        Probe.emit("RESULT \(path) ACCEPT")
    } catch let error as TOMLParseError {
        let message = error.debugDescription.replacingOccurrences(of: "\n", with: "\\n")
        Probe.emit("RESULT \(path) REFUSE \(message)")
    } catch {
        Probe.emit("RESULT \(path) REFUSE \(error)")
    }
}
Probe.emit("READY")
Probe.idleUntilTerminated()
